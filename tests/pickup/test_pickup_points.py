"""Pickup points: the shop's counter, partner cafés inside the area, pausing not deleting."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from pickup.models import PickupPlace, PickupPoint
from pickup.services import points
from shops import geo
from shops.errors import Conflict, NotFound
from shops.models import Shop
from shops.services import OutsideServiceArea, set_service_area
from tests import factories

DIRECTIONS = [0, 45, 90, 135, 180, 225, 270, 315]


def post_point(client: Client, slug: str, body: dict):
    return client.post(
        f"/api/shops/{slug}/pickup-points", data=json.dumps(body), content_type="application/json"
    )


def test_every_shop_gets_its_counter_as_a_pickup_point(shop):
    counter = PickupPoint.objects.select_related("place").get(shop=shop, is_shop_counter=True)
    assert (counter.place.lat, counter.place.lng, counter.place.name) == (
        shop.lat,
        shop.lng,
        shop.name,
    )
    again = points.ensure_shop_counter(shop=shop)
    assert again.pk == counter.pk
    assert PickupPoint.objects.filter(shop=shop, is_shop_counter=True).count() == 1


def test_counter_follows_the_shop_when_it_moves(shop):
    set_service_area(shop, radius_m=5000, lat=37.56, lng=126.91)
    counter = PickupPoint.objects.select_related("place").get(shop=shop, is_shop_counter=True)
    assert (counter.place.lat, counter.place.lng) == (37.56, 126.91)


@pytest.mark.parametrize("bearing", DIRECTIONS)
def test_api_adds_a_point_30m_inside_and_refuses_30m_outside(api, shop, bearing):
    inside = geo.destination(shop.lat, shop.lng, bearing, shop.service_radius_m - 30)
    outside = geo.destination(shop.lat, shop.lng, bearing, shop.service_radius_m + 30)

    ok = post_point(
        api,
        shop.slug,
        {"name": "카페 안", "lat": inside[0], "lng": inside[1], "address": "서울 마포구"},
    )
    assert ok.status_code == 201, ok.content
    body = ok.json()
    assert body["name"] == "카페 안" and body["address"] == "서울 마포구"
    assert {"id", "lat", "lng"} <= set(body)
    assert body["distance_m"] == shop.service_radius_m - 30

    refused = post_point(
        api, shop.slug, {"name": "카페 밖", "lat": outside[0], "lng": outside[1], "address": ""}
    )
    assert refused.status_code == 422
    error = refused.json()
    assert error["code"] == "outside_service_area"
    assert error["distance_m"] == shop.service_radius_m + 30
    assert "서비스 구역 밖" in error["detail"] and "5.0km" in error["detail"]
    assert not PickupPlace.objects.filter(name="카페 밖").exists()


def test_polygon_refusal_says_so(api, shop):
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
    east = geo.destination(shop.lat, shop.lng, 90, 1000)
    response = post_point(api, shop.slug, {"name": "동쪽 카페", "lat": east[0], "lng": east[1]})
    assert response.status_code == 422
    assert response.json()["code"] == "outside_service_area"
    assert response.json()["distance_m"] == 1000
    assert "다각형" in response.json()["detail"]


@pytest.mark.parametrize(
    "body, code",
    [
        ({"name": "카페", "lat": "NaN", "lng": 126.9}, "invalid_coordinates"),
        ({"name": "카페", "lat": "Infinity", "lng": 126.9}, "invalid_coordinates"),
        ({"name": "카페", "lat": 91, "lng": 126.9}, "invalid_coordinates"),
        ({"name": "카페", "lat": "37.5x", "lng": 126.9}, "invalid_coordinates"),
        ({"name": "카페", "lat": "3" * 100_000, "lng": 126.9}, "invalid_coordinates"),
        ({"name": "카페", "lat": [37.5], "lng": 126.9}, "invalid_coordinates"),
        ({"name": "카페", "lat": True, "lng": 126.9}, "invalid_coordinates"),
        ({"name": "카페", "lng": 126.9}, "invalid_coordinates"),
        ({"name": "", "lat": 37.556, "lng": 126.902}, "required"),
        ({"name": "가" * 81, "lat": 37.556, "lng": 126.902}, "too_long"),
        ({"name": 5, "lat": 37.556, "lng": 126.902}, "invalid_input"),
        ({"name": "카페", "lat": 37.556, "lng": 126.902, "opens_at": "25:99"}, "invalid_input"),
    ],
)
def test_api_bad_input_is_a_422_with_korean_detail(api, shop, body, code):
    response = post_point(api, shop.slug, body)
    assert response.status_code == 422, response.content
    assert response.json()["code"] == code
    assert any("\uac00" <= ch <= "\ud7a3" for ch in response.json()["detail"])
    assert PickupPoint.objects.filter(shop=shop).count() == 1  # only the counter


def test_api_nan_literal_in_json_body_is_refused(api, shop):
    response = api.post(
        f"/api/shops/{shop.slug}/pickup-points",
        data='{"name": "카페", "lat": NaN, "lng": 126.9}',
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_coordinates"


def test_api_needs_an_owner_of_that_shop(shop, other_token, owner):
    body = {"name": "카페", "lat": 37.556, "lng": 126.902}
    assert post_point(Client(), shop.slug, body).status_code == 401
    other = Client(headers={"Authorization": f"Bearer {other_token}"})
    assert post_point(other, shop.slug, body).status_code == 403
    staff = factories.make_owner(shop, username="staff", role="staff")
    client = Client()
    client.force_login(staff)
    assert post_point(client, shop.slug, body).status_code == 403
    owner_client = Client()
    owner_client.force_login(owner)
    assert post_point(owner_client, shop.slug, body).status_code == 201


def test_shrinking_the_area_pauses_points_outside_and_says_which(shop):
    near = factories.make_pickup_point(
        shop, "가까운 카페", *geo.destination(shop.lat, shop.lng, 10, 800)
    )
    far = factories.make_pickup_point(
        shop, "먼 카페", *geo.destination(shop.lat, shop.lng, 200, 4000)
    )
    change = set_service_area(shop, radius_m=2000)
    assert change.paused == ["먼 카페 (4.0km)"]
    far.refresh_from_db()
    near.refresh_from_db()
    assert far.status == PickupPoint.Status.PAUSED and "구역" in far.paused_reason
    assert near.status == PickupPoint.Status.ACTIVE
    assert PickupPlace.objects.filter(pk=far.place_id).exists()
    # Still outside: cannot be resumed; after growing the area again it can.
    with pytest.raises(OutsideServiceArea) as excinfo:
        points.resume_pickup_point(shop=shop, point_id=far.pk)
    assert excinfo.value.distance_m == 4000
    set_service_area(shop, radius_m=5000)
    assert (
        points.resume_pickup_point(shop=shop, point_id=far.pk).status == PickupPoint.Status.ACTIVE
    )


def test_shrinking_through_the_api_reports_paused_points(api, shop):
    factories.make_pickup_point(shop, "먼 카페", *geo.destination(shop.lat, shop.lng, 90, 3000))
    response = api.put(
        f"/api/shops/{shop.slug}/service-area",
        data=json.dumps({"radius_m": 1000}),
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["paused_pickup_points"] == ["먼 카페 (3.0km)"]
    assert Shop.objects.get(pk=shop.pk).service_radius_m == 1000


@pytest.mark.parametrize(
    "body, code",
    [
        ({"radius_m": 299}, "invalid_radius"),
        ({"radius_m": 20001}, "invalid_radius"),
        ({"radius_m": "NaN"}, "invalid_coordinates"),
        (
            {"radius_m": 5000, "polygon": {"type": "Point", "coordinates": [126.9, 37.5]}},
            "invalid_polygon",
        ),
        ({"radius_m": 5000, "polygon": "{broken"}, "invalid_polygon"),
        (
            {
                "radius_m": 5000,
                "polygon": {
                    "type": "Polygon",
                    "coordinates": [
                        [
                            [126.89, 37.55],
                            [126.91, 37.56],
                            [126.91, 37.55],
                            [126.89, 37.56],
                            [126.89, 37.55],
                        ]
                    ],
                },
            },
            "invalid_polygon",
        ),
        (
            {
                "radius_m": 5000,
                "polygon": {
                    "type": "Polygon",
                    "coordinates": [[[127.0, 37.6], [127.1, 37.6], [127.1, 37.7], [127.0, 37.6]]],
                },
            },
            "invalid_polygon",
        ),
    ],
)
def test_service_area_bad_input_saves_nothing(api, shop, body, code):
    response = api.put(
        f"/api/shops/{shop.slug}/service-area",
        data=json.dumps(body),
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json()["code"] == code
    stored = Shop.objects.get(pk=shop.pk)
    assert (stored.service_radius_m, stored.service_polygon) == (5000, None)


def test_move_pause_resume(shop):
    point = factories.make_pickup_point(shop)
    target = geo.destination(shop.lat, shop.lng, 270, 1200)
    moved = points.move_pickup_point(shop=shop, point_id=point.pk, lat=target[0], lng=target[1])
    assert (moved.place.lat, moved.place.lng) == target
    outside = geo.destination(shop.lat, shop.lng, 270, 5030)
    with pytest.raises(OutsideServiceArea):
        points.move_pickup_point(shop=shop, point_id=point.pk, lat=outside[0], lng=outside[1])
    assert points.pause_pickup_point(shop=shop, point_id=point.pk, reason="휴가").status == "paused"
    assert points.resume_pickup_point(shop=shop, point_id=point.pk).status == "active"
    counter = PickupPoint.objects.get(shop=shop, is_shop_counter=True)
    with pytest.raises(Conflict):
        points.pause_pickup_point(shop=shop, point_id=counter.pk)
    with pytest.raises(Conflict):
        points.move_pickup_point(shop=shop, point_id=counter.pk, lat=target[0], lng=target[1])


def test_a_cafe_partners_with_two_shops_and_cannot_then_be_moved_by_one(shop, other_shop):
    set_service_area(other_shop, radius_m=5000, lat=37.56, lng=126.91)
    point = factories.make_pickup_point(shop, "카페 보리", 37.5563, 126.9065)
    shared = factories.make_cafe(other_shop, place=point.place)
    assert shared.place_id == point.place_id and shared.shop_id == other_shop.pk
    with pytest.raises(Conflict):
        points.partner_place(shop=other_shop, place_id=point.place_id)
    with pytest.raises(Conflict) as excinfo:
        points.move_pickup_point(shop=shop, point_id=point.pk, lat=37.557, lng=126.906)
    assert excinfo.value.code == "place_shared"
    with pytest.raises(NotFound):
        points.partner_place(shop=other_shop, place_id=10**9)
    # Another shop's counter is not a café to share.
    counter = PickupPoint.objects.get(shop=shop, is_shop_counter=True)
    with pytest.raises(Conflict):
        points.partner_place(shop=other_shop, place_id=counter.place_id)


def test_partnering_a_place_outside_the_area_is_refused(shop, other_shop):
    set_service_area(other_shop, radius_m=300)
    point = factories.make_pickup_point(shop)
    with pytest.raises(OutsideServiceArea):
        points.partner_place(shop=other_shop, place_id=point.place_id)


def test_api_move_pause_resume_and_partner(api, shop, other_shop, other_token):
    point = factories.make_pickup_point(shop)
    base = f"/api/shops/{shop.slug}/pickup-points/{point.pk}"
    paused = api.post(
        f"{base}/pause", data=json.dumps({"reason": "공사"}), content_type="application/json"
    )
    assert paused.status_code == 200 and paused.json()["status"] == "paused"
    assert api.post(f"{base}/resume").json()["status"] == "active"
    far = geo.destination(shop.lat, shop.lng, 0, 5030)
    moved = api.post(
        f"{base}/move",
        data=json.dumps({"lat": far[0], "lng": far[1]}),
        content_type="application/json",
    )
    assert moved.status_code == 422 and moved.json()["distance_m"] == 5030
    listed = api.get(f"/api/shops/{shop.slug}/pickup-points").json()
    assert [p["is_shop_counter"] for p in listed] == [True, False]
    set_service_area(other_shop, radius_m=5000, lat=37.56, lng=126.91)
    other = Client(headers={"Authorization": f"Bearer {other_token}"})
    shared = other.post(
        f"/api/shops/{other_shop.slug}/pickup-points/partner",
        data=json.dumps({"place_id": point.place_id}),
        content_type="application/json",
    )
    # The café is the first shop's: partnering it waits for that shop's consent.
    assert shared.status_code == 202 and shared.json()["status"] == "pending"
    accepted = api.post(f"/api/shops/{shop.slug}/partner-invitations/{shared.json()['id']}/accept")
    assert accepted.status_code == 200 and accepted.json()["place_id"] == point.place_id
    assert other.post(f"{base}/pause").status_code == 403


def test_public_points_counter_first_or_nearest_first(client, shop):
    factories.make_pickup_point(shop, "북쪽 카페", *geo.destination(shop.lat, shop.lng, 0, 2000))
    south = factories.make_pickup_point(
        shop, "남쪽 카페", *geo.destination(shop.lat, shop.lng, 180, 3000)
    )
    paused = factories.make_pickup_point(
        shop, "쉬는 카페", *geo.destination(shop.lat, shop.lng, 90, 100)
    )
    points.pause_pickup_point(shop=shop, point_id=paused.pk)
    data = client.get(f"/api/shops/{shop.slug}").json()
    names = [p["name"] for p in data["pickup_points"]]
    assert names == [shop.name, "북쪽 카페", "남쪽 카페"]
    assert all({"id", "name", "lat", "lng"} <= set(p) for p in data["pickup_points"])
    assert all(isinstance(p["id"], int) for p in data["pickup_points"])
    customer = geo.destination(shop.lat, shop.lng, 180, 3100)
    near = client.get(f"/api/shops/{shop.slug}", {"lat": customer[0], "lng": customer[1]}).json()
    assert [p["name"] for p in near["pickup_points"]] == ["남쪽 카페", shop.name, "북쪽 카페"]
    assert near["pickup_points"][0]["id"] == south.pk
    assert near["pickup_points"][0]["distance_m"] == 100
    bad = client.get(f"/api/shops/{shop.slug}", {"lat": "nan", "lng": "1"})
    assert bad.status_code == 422


def test_admin_refuses_a_point_outside_with_the_same_message(shop, owner):
    from pickup.admin import PickupPlaceAdminForm, PickupPointAdminForm

    point = factories.make_pickup_point(shop)
    far = geo.destination(shop.lat, shop.lng, 90, 6000)
    form = PickupPlaceAdminForm(
        data={
            "name": point.place.name,
            "address": "",
            "lat": far[0],
            "lng": far[1],
            "opening_hours": "",
            "contact": "",
            "handover_notes": "",
        },
        instance=point.place,
    )
    assert not form.is_valid()
    assert "서비스 구역 밖" in str(form.errors) and "6.0km" in str(form.errors)

    set_service_area(shop, radius_m=300)  # the café (500 m away) is paused, now outside
    point.refresh_from_db()
    assert point.status == "paused"
    point_form = PickupPointAdminForm(
        data={"status": "active", "paused_reason": "", "position": 3}, instance=point
    )
    assert not point_form.is_valid()
    assert "서비스 구역 밖" in str(point_form.errors)


def test_admin_lists_only_the_owners_points(shop, other_shop, owner):
    from django.contrib.auth.models import Permission

    mine = factories.make_pickup_point(shop, "내 카페")
    set_service_area(other_shop, radius_m=5000, lat=37.56, lng=126.91)
    theirs = factories.make_pickup_point(other_shop, "남의 카페", 37.561, 126.91)
    owner.user_permissions.add(*Permission.objects.filter(content_type__app_label="pickup"))
    client = Client()
    client.force_login(owner)
    page = client.get("/admin/pickup/pickuppoint/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "내 카페" in text and "남의 카페" not in text
    places = client.get("/admin/pickup/pickupplace/").content.decode()
    assert "내 카페" in places and "남의 카페" not in places
    assert client.get(f"/admin/pickup/pickuppoint/{theirs.pk}/change/").status_code in (302, 404)
    assert client.get(f"/admin/pickup/pickuppoint/{mine.pk}/change/").status_code == 200


def test_admin_keeps_counters_open_and_unshared(shop, other_shop):
    from pickup.admin import PickupPointAdminForm

    counter = PickupPoint.objects.get(shop=shop, is_shop_counter=True)
    paused = PickupPointAdminForm(
        data={"status": "paused", "paused_reason": "", "position": 0}, instance=counter
    )
    assert not paused.is_valid() and "중지할 수 없습니다" in str(paused.errors)
    assert set(PickupPointAdminForm.base_fields) == {"status", "paused_reason", "position"}
