"""GET /api/shops/nearby: the shops whose area contains the point, nearest first."""

from __future__ import annotations

import random

import pytest
from django.db.models import F

from shops import geo, selectors
from shops.models import Shop
from shops.services import set_service_area
from tests import factories

DIRECTIONS = [0, 45, 90, 135, 180, 225, 270, 315]


def nearby(client, lat, lng):
    return client.get("/api/shops/nearby", {"lat": lat, "lng": lng})


@pytest.mark.parametrize("bearing", DIRECTIONS)
@pytest.mark.parametrize("radius", [300, 5000, 20000])
def test_boundary_30m_inside_and_outside(client, db, bearing, radius):
    shop = factories.make_shop(service_radius_m=radius)
    inside = geo.destination(shop.lat, shop.lng, bearing, radius - 30)
    outside = geo.destination(shop.lat, shop.lng, bearing, radius + 30)
    found = nearby(client, *inside)
    assert found.status_code == 200
    assert [(s["slug"], s["distance_m"]) for s in found.json()] == [(shop.slug, radius - 30)]
    assert nearby(client, *outside).json() == []


def test_results_are_nearest_first_with_listings_and_nearest_pickup(client, db):
    far = factories.make_shop(slug="far", name="먼 가게", lat=37.5559, lng=126.9019)
    near = factories.make_shop(
        slug="near", name="가까운 가게", lat=37.5627, lng=126.9255, service_radius_m=3000
    )
    factories.make_shop(slug="closed", name="쉬는 가게", lat=37.5630, lng=126.9250, is_active=False)
    factories.make_shop(
        slug="tiny", name="작은 가게", lat=37.5400, lng=126.9500, service_radius_m=300
    )
    listing = factories.make_listing(near, "소금빵", 60)
    cafe = factories.make_pickup_point(near, "카페 모퉁이", 37.5600, 126.9240)
    customer = (37.5595, 126.9235)
    data = nearby(client, *customer).json()
    assert [s["slug"] for s in data] == ["near", "far"]
    first = data[0]
    assert first["name"] == "가까운 가게"
    assert first["distance_m"] == round(geo.distance_m(near.lat, near.lng, *customer))
    assert first["stock_version"] == Shop.objects.get(pk=near.pk).stock_version
    assert first["listings"][0]["id"] == listing.pk
    assert {"id", "name", "unit", "available", "price", "pickup_price", "status"} <= set(
        first["listings"][0]
    )
    assert first["nearest_pickup_point"]["id"] == cafe.pk
    assert first["nearest_pickup_point"]["name"] == "카페 모퉁이"
    assert data[1]["nearest_pickup_point"]["name"] == far.name  # its own counter
    assert data[1]["listings"] == []


def test_polygon_cuts_the_circle_and_edits_are_seen_at_once(client, shop):
    east = geo.destination(shop.lat, shop.lng, 90, 2000)
    assert [s["slug"] for s in nearby(client, *east).json()] == [shop.slug]
    west_half = {
        "type": "Polygon",
        "coordinates": [
            [
                [shop.lng - 0.1, shop.lat - 0.1],
                [shop.lng + 0.001, shop.lat - 0.1],
                [shop.lng + 0.001, shop.lat + 0.1],
                [shop.lng - 0.1, shop.lat + 0.1],
                [shop.lng - 0.1, shop.lat - 0.1],
            ]
        ],
    }
    set_service_area(shop, radius_m=5000, polygon=west_half)
    assert nearby(client, *east).json() == []
    west = geo.destination(shop.lat, shop.lng, 270, 2000)
    assert [s["slug"] for s in nearby(client, *west).json()] == [shop.slug]
    set_service_area(shop, radius_m=5000, polygon=None)
    assert [s["slug"] for s in nearby(client, *east).json()] == [shop.slug]


def test_route_nearby_is_not_taken_for_a_shop_slug(client, shop):
    response = client.get("/api/shops/nearby")
    assert response.status_code == 422
    assert response.json()["code"] == "location_required"
    assert client.get(f"/api/shops/{shop.slug}").json()["slug"] == shop.slug


@pytest.mark.parametrize(
    "lat, lng",
    [
        ("nan", "126.9"),
        ("NaN", "126.9"),
        ("37.5", "inf"),
        ("-Infinity", "126.9"),
        ("91", "126.9"),
        ("-90.5", "126.9"),
        ("37.5", "180.01"),
        ("37.5", "-200"),
        ("abc", "126.9"),
        ("37.5", ""),
        ("", "126.9"),
        ("1e999", "126.9"),
        ("9" * 100_000, "126.9"),
        ("37.5", "127,0"),
        ("0x25", "126.9"),
        ("[37.5]", "126.9"),
    ],
)
def test_bad_input_is_422_in_korean_never_500(client, shop, lat, lng):
    response = nearby(client, lat, lng)
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["code"] in {"invalid_coordinates", "location_required"}
    assert any("\uac00" <= ch <= "\ud7a3" for ch in body["detail"])


def test_far_from_everything_and_near_the_poles_is_empty_not_an_error(client, shop):
    assert nearby(client, 0, 0).json() == []
    assert nearby(client, 89.9999, 179.9).json() == []
    assert nearby(client, -90, -180).json() == []


def test_agrees_with_the_brute_force_answer(db):
    rnd = random.Random(4)
    shops = []
    for i in range(150):
        lat, lng = rnd.uniform(37.45, 37.65), rnd.uniform(126.85, 127.10)
        shops.append(
            Shop(
                slug=f"s{i}",
                name=f"가게 {i}",
                lat=lat,
                lng=lng,
                service_radius_m=rnd.choice([300, 1000, 3000, 5000, 12000, 20000]),
            )
        )
    Shop.objects.bulk_create(shops)
    for shop in Shop.objects.all()[:20]:
        half = rnd.uniform(0.005, 0.05)
        set_service_area(
            shop,
            radius_m=shop.service_radius_m,
            polygon={
                "type": "Polygon",
                "coordinates": [
                    [
                        [shop.lng - half, shop.lat - half / 2],
                        [shop.lng + half, shop.lat - half / 2],
                        [shop.lng + half, shop.lat + half],
                        [shop.lng - half, shop.lat + half],
                        [shop.lng - half, shop.lat - half / 2],
                    ]
                ],
            },
        )
    found = 0
    for _ in range(40):
        lat, lng = rnd.uniform(37.40, 37.70), rnd.uniform(126.80, 127.15)
        fast = [(hit.id, hit.distance_m) for hit in selectors.nearby_shops(lat, lng)]
        slow = selectors.nearby_shops_brute_force(lat, lng)
        assert [shop_id for shop_id, _m in fast] == [shop_id for shop_id, _m in slow]
        assert all(abs(a[1] - b[1]) < 0.001 for a, b in zip(fast, slow, strict=True))
        found += len(fast)
    assert found > 40  # the comparison is not between two empty lists


def test_bulk_paths_keep_the_search_columns_right(client, db):
    Shop.objects.bulk_create([Shop(slug="bulk", name="벌크 가게", lat=37.5559, lng=126.9019)])
    shop = Shop.objects.get(slug="bulk")
    assert shop.lat_band == geo.lat_band(37.5559)
    point = geo.destination(35.1, 129.0, 0, 100)
    Shop.objects.filter(pk=shop.pk).update(lat=35.1, lng=129.0)
    assert [s["slug"] for s in nearby(client, *point).json()] == ["bulk"]
    shop.refresh_from_db()
    shop.lat = 37.0
    Shop.objects.bulk_update([shop], ["lat"])
    assert Shop.objects.get(pk=shop.pk).lat_band == geo.lat_band(37.0)
    assert nearby(client, *point).json() == []
    # The database computes lat_band, so even an update by expression keeps it right.
    Shop.objects.filter(pk=shop.pk).update(lat=F("lat") - 1.9, lng=129.0)
    assert Shop.objects.get(pk=shop.pk).lat_band == geo.lat_band(35.1)
    assert [s["slug"] for s in nearby(client, *point).json()] == ["bulk"]


@pytest.mark.parametrize("lat", [37.55, 37.5499999, -33.05, -0.01, 0.0, 89.99, -90.0])
def test_lat_band_from_the_database_matches_the_geometry(db, lat):
    shop = Shop.objects.create(slug="band", name="띠", lat=lat, lng=127.0)
    assert Shop.objects.get(pk=shop.pk).lat_band == geo.lat_band(lat)


def test_the_answer_is_what_validating_it_against_its_schema_would_send(client, db):
    """The near-me list is rendered as built (storefront/api.py), not validated on the way
    out: it has to be exactly what the documented schema would let through."""
    from pydantic import TypeAdapter

    from storefront.api import NearbyShopOut

    near = factories.make_shop(slug="near", lat=37.5627, lng=126.9255, service_radius_m=3000)
    factories.make_shop(slug="far", lat=37.5559, lng=126.9019)
    factories.make_listing(near, "소금빵", 60)
    factories.make_pickup_point(near, "카페 모퉁이", 37.5600, 126.9240)
    response = nearby(client, 37.5595, 126.9235)
    assert response["Content-Type"] == "application/json; charset=utf-8"
    data = response.json()
    assert [shop["slug"] for shop in data] == ["near", "far"]
    validated = TypeAdapter(list[NearbyShopOut]).validate_python(data)
    assert [shop.model_dump(exclude_unset=True) for shop in validated] == data


@pytest.mark.django_db(transaction=True)
def test_a_new_position_reads_only_the_search_while_the_shops_are_as_they_were(client):
    """Each found shop's part (listings, pickup points, calendar) is kept under its versions:
    a new position among the same shops is the search alone, and every change to a shop
    shows at the next position at once."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from livestock import services as stock_services
    from pickup.services import calendar as pickup_calendar
    from pickup.services import points as point_services

    shop = factories.make_shop(slug="near", lat=37.5627, lng=126.9255, service_radius_m=3000)
    listing = factories.make_listing(shop, "소금빵", 60)
    cafe = factories.make_pickup_point(shop, "카페 모퉁이", 37.5600, 126.9240)
    rnd = random.Random(5)

    def somewhere() -> dict:
        answer = nearby(client, 37.5595 + rnd.uniform(-1e-3, 1e-3), 126.9235).json()
        assert [found["slug"] for found in answer] == [shop.slug]
        return answer[0]

    assert somewhere()["listings"][0]["available"] == 60
    with CaptureQueriesContext(connection) as queries:
        assert somewhere()["nearest_pickup_point"]["id"] == cafe.pk
    assert [q["sql"] for q in queries if "lat_band" not in q["sql"]] == []
    stock_services.adjust_stock(shop=shop, listing_id=listing.pk, delta=-7)
    assert somewhere()["listings"][0]["available"] == 53
    point_services.pause_pickup_point(shop=shop, point_id=cafe.pk, reason="공사")
    assert somewhere()["nearest_pickup_point"]["name"] == shop.name  # its own counter
    pickup_calendar.close_day(shop=shop, day=timezone.localdate(), reason="가게 사정")
    assert somewhere()["open_label"].startswith("오늘 휴무")
