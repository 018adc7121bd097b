"""The owner sets the service area on a phone without typing metres or coordinates: a radius
preset, a triangle drawn by taps on the offline picture (undo included), a place picked with a
visible crosshair, and an address-search error shown beside the search field."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from shops import geo
from shops.models import Shop
from tests.support.services import shared_redis_url

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def live_url(start_daphne) -> str:
    """The e2e server, with address search switched off so a search fails without network."""
    return start_daphne(shared_redis_url(), name="daphne-area", GEOCODER="disabled").url


def tap_at(phone, fx: float, fy: float) -> None:
    """Tap the area picture at a fraction of its width and height."""
    picture = phone.page.locator("svg[data-area-map]")
    box = picture.bounding_box()
    picture.tap(position={"x": box["width"] * fx, "y": box["height"] * fy})


def test_owner_draws_a_triangle_by_taps_and_picks_a_preset(new_phone, shop, owner_login):
    boss = new_phone("owner")
    boss.log_in(*owner_login, f"/owner/s/{shop.slug}/area/")
    page = boss.page
    # The typed radius hides until "직접 입력" is chosen.
    expect(page.locator("[data-custom-radius]")).to_be_hidden()
    page.get_by_text("3 km", exact=False).first.tap()
    boss.screenshot("presets")

    # The picture still shows the old 5 km area until the form is saved.
    half_m = float(page.locator("svg[data-area-map]").get_attribute("data-half-m"))
    page.get_by_role("button", name="그리기 시작").tap()
    expect(page.get_by_role("button", name="그리기 멈춤")).to_be_visible()
    # Three corners around the shop (the centre of the picture), plus one mistaken tap undone.
    for fx, fy in ((0.5, 0.2), (0.8, 0.75), (0.95, 0.95), (0.2, 0.75)):
        tap_at(boss, fx, fy)
        if (fx, fy) == (0.95, 0.95):
            page.get_by_role("button", name="마지막 점 취소").tap()
            page.get_by_role("button", name="그리기 멈춤").tap()
            page.get_by_role("button", name="그리기 시작").tap()
    status = page.locator("[data-draw-status]")
    expect(status).to_contain_text("점 3개로 구역을 그렸습니다")
    expect(page.locator("svg[data-area-map] .area-draft-corners circle")).to_have_count(3)
    boss.screenshot("drawn")
    page.get_by_role("button", name="구역 저장").tap()
    expect(page.get_by_text("서비스 구역을 저장했습니다")).to_be_visible()

    saved = Shop.objects.get(pk=shop.pk)
    assert saved.service_radius_m == 3000
    ring = saved.service_polygon["coordinates"][0]
    assert len(ring) == 4 and ring[0] == ring[-1]
    # The first corner was tapped straight north of the shop, 0.3 of the picture above it.
    lng, lat = ring[0]
    north = geo.destination(shop.lat, shop.lng, 0, half_m * 0.6)
    assert geo.distance_m(lat, lng, *north) < half_m * 0.05
    # Reloaded, the page shows the saved shape and can clear it back to the whole circle.
    expect(page.locator("[data-draw-status]")).to_contain_text("지금 모양: 점 3개")
    page.get_by_role("button", name="모양 지우기 (원 전체)").tap()
    expect(status).to_contain_text("반경 원 전체가 구역입니다")
    page.get_by_role("button", name="구역 저장").tap()
    expect(page.get_by_text("서비스 구역을 저장했습니다")).to_be_visible()
    assert not Shop.objects.get(pk=shop.pk).service_polygon
    boss.screenshot("cleared")
    boss.assert_healthy()


def test_a_tap_on_the_picker_shows_where_it_landed(new_phone, shop, owner_login):
    boss = new_phone("owner")
    boss.log_in(*owner_login, f"/owner/s/{shop.slug}/area/")
    page = boss.page
    tap_at(boss, 0.75, 0.5)
    expect(page.locator("svg[data-area-map] .area-pin")).to_be_visible()
    expect(page.locator("[data-picker-status]")).to_contain_text("가게에서 동쪽")
    assert page.locator("[data-point-form] [name=lat]").input_value() != ""
    boss.screenshot("picked")
    boss.assert_healthy()


def test_address_search_error_shows_beside_the_field(new_phone, shop, owner_login):
    # This module's server runs with address search off: any search is refused with a message.
    boss = new_phone("owner")
    boss.log_in(*owner_login, f"/owner/s/{shop.slug}/area/")
    page = boss.page
    form = page.locator("[data-point-form]")
    form.get_by_label("카페 이름").fill("카페 보리")
    form.get_by_label("주소").fill("포은로 8길")
    form.get_by_role("button", name="주소로 위치 찾기").tap()
    alert = page.locator("[data-address-search] [role=alert]")
    expect(alert).to_be_visible()
    expect(alert).to_be_in_viewport()
    expect(form.get_by_label("주소")).to_be_in_viewport()
    boss.screenshot("search-error")
    # A refused form answers 400 by design (the page with the message); Chromium logs that.
    boss.errors = [e for e in boss.errors if "status of 400" not in e]
    boss.assert_healthy()
