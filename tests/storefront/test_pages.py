"""Customer pages render completely on the server (no JavaScript needed)."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.test import Client

from livestock import services
from tests import factories

pytestmark = pytest.mark.django_db


class ListingRows(HTMLParser):
    """Collects each listing row's text by data-field, as a browser without JS would show it."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[str, dict[str, str]] = {}
        self.current: str | None = None
        self.field: str | None = None
        self.hidden_fields: set[tuple[str, str]] = set()
        self.scripts: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "template":
            self.current = "template"
        # Data blocks (JSON-LD, json_script) are never run; every other script must be a file.
        if tag == "script" and attrs.get("type") not in ("application/ld+json", "application/json"):
            self.scripts.append(attrs.get("src") or "")
        if "data-listing-id" in attrs and self.current != "template" and attrs["data-listing-id"]:
            self.current = attrs["data-listing-id"]
            self.rows[self.current] = {}
        if "data-field" in attrs and self.current not in (None, "template"):
            self.field = attrs["data-field"]
            if "hidden" in attrs:
                self.hidden_fields.add((self.current, self.field))

    def handle_endtag(self, tag):
        if tag == "template":
            self.current = None
        self.field = None

    def handle_data(self, data):
        if self.field and self.current not in (None, "template"):
            row = self.rows[self.current]
            row[self.field] = row.get(self.field, "") + data.strip()


def parse(html: str) -> ListingRows:
    parser = ListingRows()
    parser.feed(html)
    return parser


def test_shop_page_shows_everything_without_javascript(shop):
    ripe = factories.make_listing(
        shop, name="단감", available=200, staff_note="직원이 직접 먹어 본 후기"
    )
    gone = factories.make_listing(
        shop, name="샤인머스캣", available=3, unit="송이", price=15000, pickup_price=13000
    )
    services.mark_sold_out(shop=shop, listing_id=gone.pk)
    response = Client().get(f"/s/{shop.slug}/")
    assert response.status_code == 200
    html = response.content.decode()
    for text in (shop.name, shop.notice, shop.return_policy, shop.response_hours):
        assert text in html
    rows = parse(html).rows
    assert rows[str(ripe.pk)]["available"] == "200"
    assert rows[str(ripe.pk)]["unit"] == "팩"
    assert rows[str(ripe.pk)]["price"] == "9,000원"
    assert rows[str(ripe.pk)]["pickup_price"] == "7,900원"
    assert rows[str(ripe.pk)]["staff_note"] == "직원이 직접 먹어 본 후기"
    assert rows[str(gone.pk)]["available"] == "0"
    assert rows[str(gone.pk)]["soldout"] == "품절"
    assert (str(gone.pk), "soldout") not in parse(html).hidden_fields
    assert (str(ripe.pk), "soldout") in parse(html).hidden_fields
    assert 'aria-live="polite"' in html


def test_shop_page_loads_only_module_scripts_from_static(shop):
    html = Client().get(f"/s/{shop.slug}/").content.decode()
    scripts = parse(html).scripts
    # Its own modules from /static/, plus the page scripts' word catalogue (also same-origin).
    assert scripts and all(src.startswith(("/static/", "/jsi18n/?")) for src in scripts)
    assert [src for src in scripts if src.startswith("/jsi18n/")] == ["/jsi18n/?l=ko"]
    assert "<script>" not in html


def test_ended_listing_leaves_the_page(shop):
    listing = factories.make_listing(shop, name="어제 귤")
    services.end_listing(shop=shop, listing_id=listing.pk)
    assert str(listing.pk) not in parse(Client().get(f"/s/{shop.slug}/").content.decode()).rows


def test_unknown_shop_is_a_small_404_page(db):
    response = Client().get("/s/no-such-shop/")
    assert response.status_code == 404
    assert "페이지를 찾을 수 없습니다" in response.content.decode()


def test_a_form_sent_without_its_security_token_says_so_in_korean_with_the_way_back(shop, listing):
    from pickup.models import Reservation

    point = factories.shop_counter(shop)
    form = {
        "listing_id": listing.pk,
        "quantity": 1,
        "pickup_point_id": point.pk,
        "name": "손님",
        "phone": "010-1234-5678",
    }
    page = f"http://testserver/s/{shop.slug}/?ref=kakao"
    response = Client(enforce_csrf_checks=True).post(
        f"/s/{shop.slug}/reserve/", form, HTTP_REFERER=page
    )
    assert response.status_code == 403
    html = response.content.decode()
    assert 'lang="ko"' in html and "보내지 못했습니다" in html
    assert "아무것도 저장되거나 바뀌지 않았습니다" in html
    assert back_link(html) == f"/s/{shop.slug}/?ref=kakao"
    assert "CSRF" not in html  # not Django's technical page
    assert not Reservation.objects.exists()

    elsewhere = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en").post(
        f"/s/{shop.slug}/reserve/", form, HTTP_REFERER="https://evil.example/s/x/"
    )
    html = elsewhere.content.decode()
    assert elsewhere.status_code == 403 and 'lang="en"' in html and "Not sent" in html
    assert back_link(html) == "/" and "evil.example" not in html


def back_link(html: str) -> str:
    import re

    return re.search(r'<a class="btn btn-primary" href="([^"]*)"', html)[1]


def test_page_is_served_in_english_on_request(shop):
    factories.make_listing(shop)
    html = Client(headers={"Accept-Language": "en"}).get(f"/s/{shop.slug}/").content.decode()
    assert 'lang="en"' in html


def test_shop_api_and_poll_fallback(shop):
    listing = factories.make_listing(shop)
    detail = Client().get(f"/api/shops/{shop.slug}").json()
    assert detail["slug"] == shop.slug
    assert detail["service_radius_m"] == 5000
    assert detail["stock_version"] == 1
    assert [item["id"] for item in detail["listings"]] == [listing.pk]
    assert {"lat", "lng", "pickup_points"} <= set(detail)
    services.adjust_stock(shop=shop, listing_id=listing.pk, delta=-2)
    poll = Client().get(f"/api/shops/{shop.slug}/stock?since=1").json()
    assert poll["version"] == 2
    assert [(item["id"], item["available"]) for item in poll["listings"]] == [(listing.pk, 198)]
    assert Client().get(f"/api/shops/{shop.slug}/stock?since=2").json()["listings"] == []
    full = Client().get(f"/api/shops/{shop.slug}/stock").json()
    assert full["version"] == 2 and len(full["listings"]) == 1


@pytest.mark.parametrize("since", ["-1", "abc", "1.5", "9" * 40])
def test_poll_with_bad_since_is_422(shop, since):
    response = Client().get(f"/api/shops/{shop.slug}/stock?since={since}")
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_input"


def test_unknown_shop_api_is_404_json(db):
    for url in ("/api/shops/nope", "/api/shops/nope/stock"):
        response = Client().get(url)
        assert response.status_code == 404
        assert response.json()["code"] == "shop_not_found"


def test_api_docs_and_schema_are_served(db):
    assert Client().get("/api/docs").status_code == 200
    schema = Client().get("/api/openapi.json").json()
    assert "/api/shops/{slug}/listings/{listing_id}/stock" in schema["paths"]


def test_the_shop_reads_keep_their_openapi_operation_ids(db):
    """Clients generated from the schema call these reads by name."""
    schema = Client().get("/api/openapi.json").json()
    ids = {
        path: schema["paths"][path]["get"]["operationId"]
        for path in ("/api/shops/nearby", "/api/shops/{slug}", "/api/shops/{slug}/stock")
    }
    assert ids == {
        "/api/shops/nearby": "shops_api_shops_nearby",
        "/api/shops/{slug}": "shops_api_shop_detail",
        "/api/shops/{slug}/stock": "shops_api_shop_stock",
    }


def test_shop_page_own_js_and_css_stay_under_60_kb(shop):
    import re

    from django.contrib.staticfiles import finders

    factories.make_listing(shop)
    html = Client().get(f"/s/{shop.slug}/").content.decode()
    assets = set(re.findall(r'(?:src|href)="/static/([^"]+\.(?:js|css))"', html))
    assert any(a.endswith(".js") for a in assets) and any(a.endswith(".css") for a in assets)
    total = sum(len(open(finders.find(asset), "rb").read()) for asset in assets)
    assert total < 60 * 1024, (total, sorted(assets))
