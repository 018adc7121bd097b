"""Near me and the area picture in a real Chromium: geolocation, live counts, and a click on
the owner's picture turning into coordinates the server then checks."""

from __future__ import annotations

import io
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from PIL import Image

from livestock import services as stock_services
from pickup.models import PickupPoint
from shops import geo
from tests import factories
from tests.support.services import CHROMIUM_ARGS, chromium_path

pytestmark = pytest.mark.browser


@pytest.fixture
def browser(monkeypatch):
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def owner_area_page(browser, live_server, owner, shop):
    """A phone-sized browser context logged in as ``owner``, on the shop's area console."""
    client = Client()
    client.force_login(owner)
    context = browser.new_context(locale="ko-KR", viewport={"width": 390, "height": 1200})
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page = watch(context.new_page())
    page.goto(f"{live_server.url}/owner/s/{shop.slug}/area/")
    return context, page


def watch(page):
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.on(
        "console",
        lambda message: (
            "Content Security Policy" in message.text and page.errors.append(message.text)
        ),
    )
    return page


@pytest.fixture
def neighbourhood(db):
    """Made before the browser starts: creating listings broadcasts, which must not happen
    inside Playwright's event loop."""
    fruit = factories.make_shop()
    bakery = factories.make_shop(
        slug="yeonnam-bakery",
        name="연남 동네빵집",
        lat=37.5627,
        lng=126.9255,
        service_radius_m=3000,
    )
    persimmon = factories.make_listing(fruit, "단감", 200)
    factories.make_listing(bakery, "소금빵", 60)
    return fruit, persimmon


def test_near_me_uses_the_browser_location_and_counts_stay_live(
    live_server, neighbourhood, browser
):
    fruit, persimmon = neighbourhood
    context = browser.new_context(
        locale="ko-KR", geolocation={"latitude": 37.5565, "longitude": 126.9045}
    )
    context.grant_permissions(["geolocation"], origin=live_server.url)
    page = watch(context.new_page())
    page.goto(f"{live_server.url}/")
    button = page.locator("[data-geolocate]")
    button.wait_for(state="visible")
    button.click()
    page.wait_for_url("**/?lat=37.556500&lng=126.904500")
    names = page.locator(".nearby-shop h3").all_text_contents()
    assert [n.strip() for n in names] == ["망원 과일가게", "연남 동네빵집"]
    count = page.locator(
        f'[data-live-shop="{fruit.slug}"] [data-listing-id="{persimmon.pk}"] '
        '[data-field="available"]'
    )
    assert count.text_content() == "200"
    # This test server has no websockets, so the page falls back to polling the stock API.
    # The change is made on another thread: this one runs the browser's event loop, and the
    # broadcast after commit must not run inside it.
    done = []

    def change() -> None:
        try:
            done.append(stock_services.adjust_stock(shop=fruit, listing_id=persimmon.pk, delta=-3))
        finally:
            connection.close()

    writer = threading.Thread(target=change)
    writer.start()
    writer.join()
    assert done and done[0][0].available == 197
    from playwright.sync_api import expect  # no string eval: the page's CSP forbids it

    expect(count).to_have_text("197", timeout=30_000)
    assert page.errors == []
    context.close()


def test_click_on_the_area_picture_places_a_pickup_point(live_server, browser, shop, owner):
    context, page = owner_area_page(browser, live_server, owner, shop)
    picture = page.locator("svg[data-area-map]")
    box = picture.bounding_box()
    half_m = float(picture.get_attribute("data-half-m"))
    # 1/4 of the picture right of centre = half_m / 2 metres east of the shop.
    page.mouse.click(box["x"] + box["width"] * 0.75, box["y"] + box["height"] * 0.5)
    lat = float(page.locator("[data-point-form] [name=lat]").input_value())
    lng = float(page.locator("[data-point-form] [name=lng]").input_value())
    expected = geo.destination(shop.lat, shop.lng, 90, half_m / 2)
    metres_per_px = 2 * half_m / box["width"]
    assert geo.distance_m(lat, lng, *expected) < 2 * metres_per_px
    page.fill("[data-point-form] [name=name]", "그림으로 고른 카페")
    page.locator("[data-point-form] button.btn-primary").click()
    page.locator(".messages").filter(has_text="픽업 지점으로 추가했습니다").wait_for()
    point = PickupPoint.objects.select_related("place").get(place__name="그림으로 고른 카페")
    assert (round(point.place.lat, 6), round(point.place.lng, 6)) == (lat, lng)
    assert page.locator("svg[data-area-map] .area-marker").count() == 2
    assert page.errors == []
    context.close()


def test_owner_answers_a_partner_request_without_javascript(
    live_server, browser, shop, owner, other_shop
):
    cafe = factories.make_cafe(shop, "두 가게 카페", lat=37.563, lng=126.941)
    declined_cafe = factories.make_cafe(shop, "골목 카페", lat=37.5635, lng=126.941)
    from pickup.services import points

    points.partner_place(shop=other_shop, place_id=cafe.place_id)
    points.partner_place(shop=other_shop, place_id=declined_cafe.place_id)
    client = Client()
    client.force_login(owner)
    context = browser.new_context(
        locale="ko-KR", viewport={"width": 390, "height": 1200}, java_script_enabled=False
    )
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/owner/s/{shop.slug}/area/")
    section = page.get_by_role("region", name="제휴 요청")
    accept = section.get_by_role("button", name=f"{other_shop.name}의 두 가게 카페 제휴 요청 수락")
    decline = section.get_by_role("button", name=f"{other_shop.name}의 골목 카페 제휴 요청 거절")
    for button in (accept, decline):
        box = button.bounding_box()
        assert box["width"] >= 44 and box["height"] >= 44
    accept.click()
    page.locator(".messages").filter(has_text="수락했습니다").wait_for()
    assert PickupPoint.objects.filter(shop=other_shop, place_id=cafe.place_id).exists()
    page.get_by_role("button", name=f"{other_shop.name}의 골목 카페 제휴 요청 거절").click()
    page.locator(".messages").filter(has_text="거절했습니다").wait_for()
    assert not PickupPoint.objects.filter(shop=other_shop, place_id=declined_cafe.place_id).exists()
    assert page.get_by_role("region", name="제휴 요청").count() == 0
    context.close()


@pytest.fixture
def tile_server():
    """A local tile server: every /{z}/{x}/{y}.png is the same small grey PNG."""
    buffer = io.BytesIO()
    Image.new("RGB", (256, 256), (228, 231, 235)).save(buffer, "PNG")
    tile = buffer.getvalue()
    requested: list[str] = []

    class Tiles(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            requested.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(tile)))
            self.end_headers()
            self.wfile.write(tile)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Tiles)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    server.requested = requested
    yield server
    server.shutdown()
    server.server_close()


def test_street_map_over_configured_tiles_places_a_point_with_a_click(
    live_server, browser, shop, owner, tile_server, settings
):
    origin = f"http://127.0.0.1:{tile_server.server_port}"
    settings.MAP_TILE_URL = origin + "/{z}/{x}/{y}.png"
    settings.MAP_TILE_ATTRIBUTION = "테스트 지도"
    policy = settings.CONTENT_SECURITY_POLICY
    settings.CONTENT_SECURITY_POLICY = {
        **policy,
        "DIRECTIVES": {
            **policy["DIRECTIVES"],
            "img-src": [*policy["DIRECTIVES"]["img-src"], origin],
        },
    }
    factories.make_pickup_point(shop, "<b>골목 카페</b>")
    context, page = owner_area_page(browser, live_server, owner, shop)

    tile_map = page.locator("[data-tile-map]")
    tile_map.wait_for(state="visible")
    page.locator(".leaflet-tile-loaded").first.wait_for()
    assert tile_server.requested and all(p.endswith(".png") for p in tile_server.requested)
    assert "테스트 지도" in page.locator(".leaflet-control-attribution").text_content()
    assert page.locator("path.tile-marker").count() == 2
    page.locator("svg[data-area-map]").wait_for()  # the offline picture is still there

    # The map is fitted to the ring, so its centre is the shop; the ring's width gives the
    # metres per pixel.
    ring = page.locator("path.tile-ring").bounding_box()
    box = tile_map.bounding_box()
    metres_per_px = 2 * shop.service_radius_m / ring["width"]
    page.mouse.click(box["x"] + box["width"] / 2 + 40, box["y"] + box["height"] / 2)
    lat = float(page.locator("[data-point-form] [name=lat]").input_value())
    lng = float(page.locator("[data-point-form] [name=lng]").input_value())
    expected = geo.destination(shop.lat, shop.lng, 90, 40 * metres_per_px)
    assert geo.distance_m(lat, lng, *expected) < 3 * metres_per_px

    page.locator("path.tile-marker-point").hover()
    tooltip = page.locator(".leaflet-tooltip")
    tooltip.wait_for()
    assert tooltip.text_content() == "<b>골목 카페</b>" and tooltip.locator("b").count() == 0
    assert page.errors == []
    context.close()
