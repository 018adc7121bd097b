"""The owner's area console, the geocoder and the admin's area checks."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest
from django.test import Client
from geopy.exc import GeocoderUnavailable

from config.settings import tile_origin
from pickup.models import PartnerInvitation, PickupPlace, PickupPoint
from shops import geo, geocoding
from shops.models import Shop
from tests import factories


def test_owner_area_page_draws_the_area_and_points(shop, owner_client):
    factories.make_pickup_point(shop, "카페 보리")
    response = owner_client.get(f"/owner/s/{shop.slug}/area/")
    assert response.status_code == 200
    html = response.content.decode()
    svg = html[html.index("<svg") : html.index("</svg>")]
    assert 'class="area-ring"' in svg and "data-area-map" in svg
    assert svg.count('class="area-marker') == 2 and "카페 보리" in svg
    assert "data-scale-m" in svg
    assert "js/area.js" in html and 'name="radius_m"' in html and 'name="polygon"' in html


def test_owner_area_page_has_no_street_map_unless_tiles_are_configured(shop, owner_client):
    html = owner_client.get(f"/owner/s/{shop.slug}/area/").content.decode()
    assert "leaflet" not in html and "data-tile-map" not in html and "tile-map-data" not in html


def test_owner_area_page_adds_a_street_map_over_configured_tiles(shop, owner_client, settings):
    settings.MAP_TILE_URL = "https://{s}.tiles.example.kr/{z}/{x}/{y}.png"
    settings.MAP_TILE_ATTRIBUTION = "© 예시 지도"
    factories.make_pickup_point(shop, "</script><b>카페</b>")
    response = owner_client.get(f"/owner/s/{shop.slug}/area/")
    html = response.content.decode()
    assert "vendor/leaflet/leaflet.js" in html and "vendor/leaflet/leaflet.css" in html
    assert "js/tilemap.js" in html and "data-tile-map" in html
    assert "<svg" in html  # the offline picture stays
    raw = re.search(
        r'<script id="tile-map-data" type="application/json">(.*?)</script>', html, re.S
    ).group(1)
    assert "</script>" not in raw and "<b>" not in raw
    data = json.loads(raw)
    assert data["tiles"] == {
        "url": settings.MAP_TILE_URL,
        "attribution": "© 예시 지도",
        "max_zoom": settings.MAP_TILE_MAX_ZOOM,
    }
    assert data["radius_m"] == shop.service_radius_m and data["polygon"] is None
    assert {p["name"] for p in data["points"]} == {shop.name, "</script><b>카페</b>"}


@pytest.mark.parametrize(
    ("url", "source"),
    [
        ("https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png", "https://*.tile.openstreetmap.org"),
        ("http://127.0.0.1:8081/tiles/{z}/{x}/{y}.png", "http://127.0.0.1:8081"),
        ("", ""),
        ("javascript:alert(1)//{z}", ""),
        ("https://bad host; script-src */{z}", ""),
        ("ftp://tiles.example.kr/{z}", ""),
    ],
)
def test_tile_host_becomes_one_csp_image_source(url, source):
    assert tile_origin(url) == source


def test_owner_area_page_is_for_managers_of_that_shop_only(shop, other_shop, owner):
    client = Client()
    client.force_login(owner)
    assert client.get(f"/owner/s/{other_shop.slug}/area/").status_code == 404
    assert Client().get(f"/owner/s/{shop.slug}/area/").status_code == 302


def test_console_shrink_pauses_and_tells_the_owner_which(shop, owner_client):
    factories.make_pickup_point(shop, "먼 카페", *geo.destination(shop.lat, shop.lng, 45, 3500))
    response = owner_client.post(
        f"/owner/s/{shop.slug}/area/", {"radius_m": "2000", "polygon": ""}, follow=True
    )
    html = response.content.decode()
    assert "서비스 구역을 저장했습니다" in html
    assert "일시 중지했습니다" in html and "먼 카페 (3.5km)" in html
    point = PickupPoint.objects.get(place__name="먼 카페")
    assert point.status == "paused"


@pytest.mark.parametrize(
    "data, message",
    [
        ({"radius_m": "25000", "polygon": ""}, "반경은 300 m 이상 20000 m 이하"),
        ({"radius_m": "5000", "polygon": '{"type": "LineString", "coordinates": []}'}, "Polygon"),
        ({"radius_m": "5000", "polygon": "{nope"}, "GeoJSON"),
    ],
)
def test_console_bad_area_shows_the_message_and_saves_nothing(shop, owner_client, data, message):
    response = owner_client.post(f"/owner/s/{shop.slug}/area/", data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Shop.objects.get(pk=shop.pk).service_radius_m == 5000


def test_console_add_point_inside_and_outside(shop, owner_client):
    inside = geo.destination(shop.lat, shop.lng, 30, 1000)
    ok = owner_client.post(
        f"/owner/s/{shop.slug}/area/points/",
        {"name": "카페 안", "lat": f"{inside[0]:.7f}", "lng": f"{inside[1]:.7f}"},
        follow=True,
    )
    assert "픽업 지점으로 추가했습니다" in ok.content.decode()
    outside = geo.destination(shop.lat, shop.lng, 30, 5030)
    refused = owner_client.post(
        f"/owner/s/{shop.slug}/area/points/",
        {"name": "카페 밖", "lat": f"{outside[0]:.7f}", "lng": f"{outside[1]:.7f}"},
    )
    assert refused.status_code == 400
    html = refused.content.decode()
    assert "서비스 구역 밖입니다. 가게에서 5.0km 떨어져 있어 반경 5.0km을 넘습니다." in html
    assert not PickupPlace.objects.filter(name="카페 밖").exists()


class FakeLocation:
    latitude, longitude, address = 37.5563, 126.9065, "서울 마포구 포은로"


class FakeGeocoder:
    def __init__(self, result=None, error=None):
        self.result, self.error, self.queries = result, error, []

    def geocode(self, query, **kwargs):
        self.queries.append(query)
        if self.error:
            raise self.error
        return self.result


def test_console_geocoding_fills_coordinates(shop, owner_client, monkeypatch):
    fake = FakeGeocoder(result=FakeLocation())
    monkeypatch.setattr(geocoding, "get_geocoder", lambda: fake)
    response = owner_client.post(
        f"/owner/s/{shop.slug}/area/points/",
        {"name": "카페 보리", "address": "포은로 8길", "geocode": "1"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert fake.queries == ["포은로 8길"]
    assert 'value="37.556300"' in html and 'value="126.906500"' in html
    assert not PickupPlace.objects.filter(name="카페 보리").exists()


def test_console_geocoder_unreachable_is_a_clear_message_and_coordinates_still_work(
    shop, owner_client, monkeypatch
):
    monkeypatch.setattr(
        geocoding, "get_geocoder", lambda: FakeGeocoder(error=GeocoderUnavailable("offline"))
    )
    response = owner_client.post(
        f"/owner/s/{shop.slug}/area/points/",
        {"name": "카페 보리", "address": "포은로 8길", "geocode": "1"},
    )
    assert response.status_code == 400
    assert "주소 검색 서비스에 연결할 수 없습니다" in response.content.decode()
    ok = owner_client.post(
        f"/owner/s/{shop.slug}/area/points/",
        {"name": "카페 보리", "address": "포은로 8길", "lat": "37.5563", "lng": "126.9065"},
        follow=True,
    )
    assert "픽업 지점으로 추가했습니다" in ok.content.decode()


def test_geocoder_disabled_and_not_found(settings, monkeypatch):
    settings.GEOCODER = "disabled"
    with pytest.raises(geocoding.InvalidInput) as excinfo:
        geocoding.geocode("망원동")
    assert excinfo.value.code == "geocoder_disabled"
    settings.GEOCODER = "nominatim"
    monkeypatch.setattr(geocoding, "get_geocoder", lambda: FakeGeocoder(result=None))
    with pytest.raises(geocoding.InvalidInput) as excinfo:
        geocoding.geocode("없는 주소")
    assert excinfo.value.code == "address_not_found"
    with pytest.raises(geocoding.InvalidInput):
        geocoding.geocode("가" * 500)


def test_configured_provider_is_built_from_settings(settings):
    settings.GEOCODER = "nominatim"
    settings.GEOCODER_USER_AGENT = "dongne5km-test"
    geocoder = geocoding.get_geocoder()
    assert type(geocoder).__name__ == "Nominatim"
    assert geocoder.headers["User-Agent"] == "dongne5km-test"
    settings.GEOCODER = "no-such-provider"
    assert geocoding.get_geocoder() is None


def test_console_pause_resume_move_and_partner(shop, other_shop, owner_client, owner):
    point = factories.make_pickup_point(shop)
    base = f"/owner/s/{shop.slug}/area/points/{point.pk}"
    owner_client.post(f"{base}/pause/")
    assert PickupPoint.objects.get(pk=point.pk).status == "paused"
    owner_client.post(f"{base}/resume/")
    assert PickupPoint.objects.get(pk=point.pk).status == "active"
    far = geo.destination(shop.lat, shop.lng, 0, 6000)
    moved = owner_client.post(f"{base}/move/", {"lat": far[0], "lng": far[1]}, follow=True)
    assert moved.redirect_chain[-1][0].endswith(f"/area/#point-{point.pk}")
    html = moved.content.decode()
    # Said on that café's row, next to the coordinates it is about, not in the list at the top.
    error = re.search(
        rf'<p class="field-error" role="alert" id="point-{point.pk}-error">([^<]+)<', html
    )
    assert error and "서비스 구역 밖" in error[1]
    assert f'aria-describedby="point-{point.pk}-error"' in html
    assert html.count("서비스 구역 밖") == 1
    from shops.services import set_service_area

    set_service_area(other_shop, radius_m=5000, lat=37.56, lng=126.91)
    theirs = factories.make_pickup_point(other_shop, "이웃 카페", 37.558, 126.905)
    page = owner_client.get(f"/owner/s/{shop.slug}/area/").content.decode()
    assert "이웃 카페" in page
    owner_client.post(f"/owner/s/{shop.slug}/area/points/partner/", {"place_id": theirs.place_id})
    # The café is the other shop's: it becomes a point once that shop accepts.
    assert not PickupPoint.objects.filter(shop=shop, place_id=theirs.place_id).exists()
    invitation = PartnerInvitation.objects.get(shop=shop, place_id=theirs.place_id)
    neighbour = Client()
    neighbour.force_login(factories.make_owner(other_shop, username="neighbour"))
    neighbour.post(f"/owner/s/{other_shop.slug}/area/invitations/{invitation.pk}/accept/")
    assert PickupPoint.objects.filter(shop=shop, place_id=theirs.place_id).exists()
    again = neighbour.post(
        f"/owner/s/{other_shop.slug}/area/invitations/{invitation.pk}/decline/", follow=True
    )
    # An answer to a request already answered: its row is gone, so it is said at the top.
    assert again.redirect_chain[-1][0].endswith(f"/owner/s/{other_shop.slug}/area/")
    assert '<p class="field-error"' not in again.content.decode()
    assert any(m.level_tag == "error" for m in again.context["messages"])


def test_admin_shop_form_checks_the_area_and_pauses_points(shop, owner):
    from django.contrib.auth.models import Permission

    factories.make_pickup_point(shop, "먼 카페", *geo.destination(shop.lat, shop.lng, 0, 4000))
    owner.user_permissions.add(
        Permission.objects.get(codename="change_shop"), Permission.objects.get(codename="view_shop")
    )
    client = Client()
    client.force_login(owner)
    url = f"/admin/shops/shop/{shop.pk}/change/"
    data = {
        "name": shop.name,
        "is_active": "on",
        "notice": "",
        "address": "",
        "lat": shop.lat,
        "lng": shop.lng,
        "service_radius_m": 5000,
        "service_polygon": "null",
        "opening_hours": "",
        "response_hours": "",
        "return_policy": "",
        "phone": "",
        "kakao_channel_url": "",
        "naver_url": "",
    }
    bad = client.post(url, {**data, "service_polygon": '{"type": "Point", "coordinates": [1, 2]}'})
    assert bad.status_code == 200 and "GeoJSON Polygon" in bad.content.decode()
    done = client.post(url, {**data, "service_radius_m": 2000}, follow=True)
    assert "먼 카페 (4.0km)" in done.content.decode()
    assert PickupPoint.objects.get(place__name="먼 카페").status == "paused"


def test_production_csp_lets_the_configured_tile_host_serve_images():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "0",
        "SECRET_KEY": "csp-check-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        "MAP_TILE_URL": "https://{s}.tiles.example.kr/{z}/{x}/{y}.png",
    }
    code = (
        "from django.conf import settings; "
        "print(settings.CONTENT_SECURITY_POLICY['DIRECTIVES']['img-src'])"
    )
    out = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "https://*.tiles.example.kr" in out and "'self'" in out
