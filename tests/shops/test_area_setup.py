"""Setting the service area without technical words: radius presets that work as a plain
form post, the drawn shape arriving as the polygon field, and address-search errors shown
beside the search field."""

from __future__ import annotations

import json
import re

import pytest
from geopy.exc import GeocoderUnavailable

from pickup.forms import ServiceAreaForm
from pickup.models import PickupPlace
from shops import geo, geocoding
from shops.models import Shop
from tests.shops.test_area_pages import FakeGeocoder


def area_form(html: str) -> str:
    start = html.index("data-area-form")
    return html[start : html.index("</form>", start)]


def test_area_page_offers_radius_presets_and_no_developer_words(shop, owner_client):
    html = owner_client.get(f"/owner/s/{shop.slug}/area/").content.decode()
    form = area_form(html)
    radios = re.findall(r'<input type="radio" name="radius_choice" value="(\w+)"[^>]*>', form)
    assert radios == ["1000", "3000", "5000", "custom"]
    # The factory shop has the 5 km default: that preset is the one checked.
    assert re.search(r'value="5000"[^>]*checked', form)
    assert "1 km" in form and "3 km" in form and "5 km" in form and "직접 입력" in form
    # The drawing controls are there for JavaScript; the text field is the advanced fallback.
    assert "data-area-draw" in form and "마지막 점 취소" in form
    assert '<details class="area-advanced"' in form and 'name="polygon"' in form
    for word in ("GeoJSON", "위도(lat)", "(lng)"):
        assert word not in html


def test_a_radius_that_is_no_preset_shows_under_custom(shop, owner_client):
    Shop.objects.filter(pk=shop.pk).update(service_radius_m=1500)
    form = area_form(owner_client.get(f"/owner/s/{shop.slug}/area/").content.decode())
    assert re.search(r'value="custom"[^>]*checked', form)
    assert re.search(r'name="radius_m" value="1500"', form)


@pytest.mark.parametrize("choice, expected", [("1000", 1000), ("3000", 3000), ("5000", 5000)])
def test_a_preset_posted_without_javascript_sets_the_radius(shop, owner_client, choice, expected):
    Shop.objects.filter(pk=shop.pk).update(service_radius_m=2000)
    response = owner_client.post(
        f"/owner/s/{shop.slug}/area/",
        # A number left in the custom box does not win over the chosen preset.
        {"radius_choice": choice, "radius_m": "777", "polygon": ""},
        follow=True,
    )
    assert "서비스 구역을 저장했습니다" in response.content.decode()
    assert Shop.objects.get(pk=shop.pk).service_radius_m == expected


def test_custom_radius_is_typed_in_metres(shop, owner_client):
    owner_client.post(
        f"/owner/s/{shop.slug}/area/", {"radius_choice": "custom", "radius_m": "1500"}
    )
    assert Shop.objects.get(pk=shop.pk).service_radius_m == 1500


@pytest.mark.parametrize(
    "data, message",
    [
        ({"radius_choice": "custom", "radius_m": ""}, "반경을 고르거나 직접 입력해 주세요."),
        ({"radius_choice": "", "radius_m": ""}, "반경을 고르거나 직접 입력해 주세요."),
        ({"radius_choice": "700"}, "올바르게 선택해 주세요"),
        ({"radius_choice": "custom", "radius_m": "abc"}, "반경"),
        ({"radius_choice": "custom", "radius_m": "50"}, "반경은 300 m 이상 20000 m 이하"),
        ({"radius_choice": "3000", "polygon": "{nope"}, "다각형이 올바른"),
    ],
)
def test_bad_radius_choices_are_refused_beside_the_field(shop, owner_client, data, message):
    response = owner_client.post(f"/owner/s/{shop.slug}/area/", data)
    assert response.status_code == 400
    form = area_form(response.content.decode())
    assert 'role="alert"' in form
    assert message in form
    assert Shop.objects.get(pk=shop.pk).service_radius_m == 5000
    assert Shop.objects.get(pk=shop.pk).service_polygon in (None, {})


def test_form_initial_values_follow_the_shop():
    assert ServiceAreaForm.for_shop(3000, "").initial["radius_choice"] == "3000"
    custom = ServiceAreaForm.for_shop(2500, "").initial
    assert custom["radius_choice"] == "custom" and custom["radius_m"] == 2500


def test_a_drawn_triangle_is_saved_as_the_shape(shop, owner_client):
    corners = [geo.destination(shop.lat, shop.lng, bearing, 1200) for bearing in (0, 120, 240)]
    ring = [[round(lng, 6), round(lat, 6)] for lat, lng in [*corners, corners[0]]]
    response = owner_client.post(
        f"/owner/s/{shop.slug}/area/",
        {
            "radius_choice": "3000",
            "polygon": json.dumps({"type": "Polygon", "coordinates": [ring]}),
        },
        follow=True,
    )
    assert "서비스 구역을 저장했습니다" in response.content.decode()
    saved = Shop.objects.get(pk=shop.pk)
    assert saved.service_radius_m == 3000
    assert len(saved.service_polygon["coordinates"][0]) == 4


def test_address_search_error_sits_beside_the_search_field(shop, owner_client, monkeypatch):
    monkeypatch.setattr(
        geocoding, "get_geocoder", lambda: FakeGeocoder(error=GeocoderUnavailable("offline"))
    )
    response = owner_client.post(
        f"/owner/s/{shop.slug}/area/points/",
        {"name": "카페 보리", "address": "포은로 8길", "geocode": "1"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    # The page opens at the add-point form (the action carries its anchor) ...
    assert re.search(r'action="/owner/s/[\w-]+/area/points/#add-title"', html)
    # ... and the message is inside the address block, right after the search button.
    start = html.index("data-address-search")
    block = html[start : html.index("</div>\n", html.index('role="alert"', start))]
    assert 'name="address"' in block and "주소로 위치 찾기" in block
    assert re.search(r'role="alert"[^>]*>[^<]*주소 검색 서비스에 연결할 수 없습니다', block)
    assert 'aria-invalid="true"' in block
    assert not PickupPlace.objects.filter(name="카페 보리").exists()


def test_address_not_found_is_shown_beside_the_field(shop, owner_client, monkeypatch):
    monkeypatch.setattr(geocoding, "get_geocoder", lambda: FakeGeocoder(result=None))
    html = owner_client.post(
        f"/owner/s/{shop.slug}/area/points/",
        {"name": "카페 보리", "address": "없는 주소 123", "geocode": "1"},
    ).content.decode()
    start = html.index("data-address-search")
    block = html[start : html.index("</div>\n", html.index('id="address-error"', start))]
    assert "주소를 찾지 못했습니다" in block and "address-search" in block


def test_area_page_reads_in_english(shop, owner_client):
    html = owner_client.get(
        f"/owner/s/{shop.slug}/area/", headers={"Accept-Language": "en"}
    ).content.decode()
    form = area_form(html)
    assert "1 km · 15 minutes on foot" in form and "Type it in" in form
    assert "Undo last point" in form and "Advanced: paste the shape as text" in form
    assert "Find the place from the address" in html


def test_address_found_is_told_in_the_address_block(shop, owner_client, monkeypatch):
    from tests.shops.test_area_pages import FakeLocation

    monkeypatch.setattr(geocoding, "get_geocoder", lambda: FakeGeocoder(result=FakeLocation()))
    html = owner_client.post(
        f"/owner/s/{shop.slug}/area/points/",
        {"name": "카페 보리", "address": "포은로 8길", "geocode": "1"},
    ).content.decode()
    start = html.index("data-address-search")
    block = html[start : html.index("</div>\n", html.index('role="status"', start))]
    assert "주소에서 좌표를 찾았습니다: 서울 마포구 포은로" in block


def found_svg(html: str) -> str:
    start = html.index("<svg", html.index("data-area-picker"))
    return html[start : html.index("</svg>", start)]


def test_a_found_address_is_marked_on_the_picture_in_words_too(shop, owner_client, monkeypatch):
    from tests.shops.test_area_pages import FakeLocation

    monkeypatch.setattr(geocoding, "get_geocoder", lambda: FakeGeocoder(result=FakeLocation()))
    html = owner_client.post(
        f"/owner/s/{shop.slug}/area/points/",
        {"name": "카페 보리", "address": "포은로 8길", "geocode": "1"},
    ).content.decode()
    svg = found_svg(html)
    # A labelled red marker, east of the shop (x > 0) and a little north (y < 0 drawn).
    marker = re.search(
        r'<g class="area-marker marker-found"><title>찾은 주소</title>'
        r'<circle cx="([-\d.]+)" cy="([-\d.]+)".*?<text [^>]*>찾은 주소</text></g>',
        svg,
    )
    assert marker and float(marker[1]) > 300 and float(marker[2]) < 0
    # The picture's name says where it is, and so does the note beside the address field.
    title = re.search(r"<svg [^>]*role=\"img\"[^>]*><title>([^<]*)</title>", svg)[1]
    assert "빨간 표시 찾은 주소: 가게에서 동쪽 약 4" in title and "구역 안" in title
    start = html.index("data-address-search")
    block = html[start : html.index("</div>\n", html.index('role="status"', start))]
    assert "그림의 빨간 표시(가게에서 동쪽 약 4" in block


def test_an_address_beyond_the_picture_is_marked_at_its_edge(shop, owner_client, monkeypatch):
    from tests.shops.test_area_pages import FakeLocation

    far = type("Far", (FakeLocation,), {"latitude": 37.70, "longitude": 126.9019})
    monkeypatch.setattr(geocoding, "get_geocoder", lambda: FakeGeocoder(result=far()))
    html = owner_client.post(
        f"/owner/s/{shop.slug}/area/points/",
        {"name": "카페 보리", "address": "먼 곳", "geocode": "1"},
    ).content.decode()
    svg = found_svg(html)
    half = float(re.search(r'data-half-m="([\d.]+)"', svg)[1])
    cy = float(
        re.search(r'marker-found"><title>[^<]*</title><circle cx="[-\d.]+" cy="([-\d.]+)"', svg)[1]
    )
    assert -half < cy < -half * 0.8  # at the top edge: north
    assert "가게에서 북쪽 약 16km, 구역 밖" in html


def test_no_marker_without_a_found_address(shop, owner_client):
    html = owner_client.get(f"/owner/s/{shop.slug}/area/").content.decode()
    assert "marker-found" not in html and "찾은 주소" not in html
