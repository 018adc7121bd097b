"""Customer pages about place: near me, and the shop page's pickup places with their map."""

from __future__ import annotations

import re

import pytest

from shops import geo
from tests import factories


def test_near_me_without_location_offers_neighbourhoods_and_coordinates(client, shop):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<form method="get" action="/"' in html
    assert 'name="area"' in html and "마포구 망원동" in html
    assert 'name="lat"' in html and 'name="lng"' in html
    assert "data-live-shop" not in html
    assert "js/near_me.js" in html


def test_near_me_with_a_neighbourhood_lists_shops_nearest_first_with_live_counts(client, db):
    fruit = factories.make_shop()
    bakery = factories.make_shop(
        slug="yeonnam-bakery",
        name="연남 동네빵집",
        lat=37.5627,
        lng=126.9255,
        service_radius_m=3000,
    )
    factories.make_listing(fruit, "단감", 200)
    factories.make_listing(bakery, "소금빵", 60)
    factories.make_pickup_point(fruit, "망원시장 카페 보리", 37.5563, 126.9065)
    response = client.get("/", {"area": "mangwon"})
    assert response.status_code == 200
    html = response.content.decode()
    assert html.index("망원 과일가게") < html.index("연남 동네빵집")
    assert 'data-live-shop="mangwon-fruit"' in html and 'data-live-shop="yeonnam-bakery"' in html
    assert re.search(r'data-distance-m="\d+">\d+m<', html)  # the fruit shop is a few hundred m
    assert re.search(r">\d\.\dkm<", html)  # the bakery about 2 km
    assert "단감" in html and "소금빵" in html
    assert "가장 가까운 픽업" in html and "망원시장 카페 보리" in html
    assert "js/live.js" in html


def test_near_me_with_coordinates_and_nothing_around(client, shop):
    response = client.get("/", {"lat": "35.1", "lng": "129.0"})
    assert response.status_code == 200
    assert "예약을 받는 가게가 아직 없습니다" in response.content.decode()


@pytest.mark.parametrize(
    "query",
    [
        {"lat": "nan", "lng": "126.9"},
        {"lat": "x", "lng": "y"},
        {"lat": "37.5"},
        {"area": "nowhere"},
        {"lat": "1" * 5000, "lng": "126.9"},
    ],
)
def test_near_me_bad_location_is_a_clear_message(client, shop, query):
    response = client.get("/", query)
    assert response.status_code == 400
    assert 'class="form-error"' in response.content.decode()


def test_shop_page_lists_pickup_places_with_hours_and_a_small_map(client, shop):
    factories.make_pickup_point(
        shop,
        "카페 나루",
        *geo.destination(shop.lat, shop.lng, 0, 3000),
        opening_hours="매일 10:00–22:00",
    )
    factories.make_pickup_point(shop, "카페 보리", *geo.destination(shop.lat, shop.lng, 180, 800))
    html = client.get(f"/s/{shop.slug}/").content.decode()
    section = html[html.index('id="pickup"') :]
    listed = section[section.index('class="pickup-list"') :]
    assert listed.index(shop.name) < listed.index("카페 나루") < listed.index("카페 보리")
    assert "매일 10:00–22:00" in listed
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in section and 'class="area-ring"' in section
    customer = geo.destination(shop.lat, shop.lng, 180, 900)
    near = client.get(f"/s/{shop.slug}/", {"lat": customer[0], "lng": customer[1]})
    section = near.content.decode()[near.content.decode().index('id="pickup"') :]
    listed = section[section.index('class="pickup-list"') :]
    assert listed.index("카페 보리") < listed.index(shop.name) < listed.index("카페 나루")
    assert ">100m<" in listed and "marker-customer" in section
