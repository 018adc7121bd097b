"""Reservations for point-of-sale tools: a day's list, and one step at a time."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from livestock.models import Listing
from pickup.models import Reservation
from shops import services as shop_services
from tests import factories

pytestmark = pytest.mark.django_db


def url(shop, reservation=None, step=None) -> str:
    base = f"/api/shops/{shop.slug}/reservations"
    if reservation is None:
        return base
    return f"{base}/{reservation.pk}/{step}"


def post(client: Client, path: str, body: str = "", **headers):
    return client.post(path, data=body, content_type="application/json", headers=headers)


@pytest.fixture
def booked(shop, listing, cafe_point, lunch, clock):
    return factories.make_reservation(
        shop, listing, cafe_point, window=lunch, quantity=2, phone="010-1234-5678"
    )


def test_the_day_list_shows_the_contract_fields_with_the_phone_masked(api, shop, booked):
    response = api.get(url(shop), {"date": "2026-11-20"})
    assert response.status_code == 200, response.content
    [row] = response.json()
    assert row["id"] == booked.pk
    assert row["status"] == "confirmed"
    assert row["listing_id"] == booked.listing_id
    assert row["quantity"] == 2
    assert row["pickup_point_id"] == booked.pickup_point_id
    assert row["pickup_date"] == "2026-11-20"
    assert row["window"]["starts_at"] == "12:00"
    assert row["phone"] == "010-****-5678"
    assert "name" not in row and "token" not in row
    assert api.get(url(shop), {"date": "2026-11-21"}).json() == []


def test_the_day_list_defaults_to_today(api, shop, booked):
    assert [r["id"] for r in api.get(url(shop)).json()] == [booked.pk]


@pytest.mark.parametrize("bad", ["20261120", "2026-13-01", "tomorrow", "2026-11-20T00:00"])
def test_a_bad_date_is_a_422(api, shop, booked, bad):
    response = api.get(url(shop), {"date": bad})
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_date"


def test_ready_then_picked_up(api, shop, booked):
    response = post(api, url(shop, booked, "ready"))
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "ready"
    response = post(api, url(shop, booked, "picked-up"))
    assert response.status_code == 200
    assert response.json()["status"] == "picked_up"
    assert Reservation.objects.get(pk=booked.pk).status == "picked_up"


def test_a_step_the_status_does_not_allow_is_409_invalid_transition(api, shop, booked):
    assert post(api, url(shop, booked, "picked-up")).status_code == 200
    for step in ("ready", "picked-up", "cancel", "no-show"):
        response = post(api, url(shop, booked, step))
        assert response.status_code == 409, step
        body = response.json()
        assert body["code"] == "invalid_transition"
        assert body["status_now"] == "picked_up"
        assert body["detail"]


def test_no_show_before_the_window_ends_is_invalid_transition(api, shop, booked, clock):
    response = post(api, url(shop, booked, "no-show"))
    assert response.status_code == 409
    assert response.json()["reason"] == "window_not_over"
    clock.set("14:30")
    response = post(api, url(shop, booked, "no-show"))
    assert response.status_code == 200
    assert response.json()["status"] == "no_show"
    assert Listing.objects.get(pk=booked.listing_id).available == 200


def test_cancel_returns_the_stock_with_or_without_a_reason(api, shop, listing, cafe_point, booked):
    response = post(api, url(shop, booked, "cancel"), '{"reason": "재고 부족"}')
    assert response.status_code == 200
    assert response.json()["cancel_reason"] == "재고 부족"
    assert response.json()["cancelled_by"] == "shop"
    other = factories.make_reservation(shop, listing, cafe_point)
    response = post(api, url(shop, other, "cancel"))
    assert response.status_code == 200
    assert response.json()["cancel_reason"]
    assert Listing.objects.get(pk=listing.pk).available == 200


@pytest.mark.parametrize(
    "body, status, code",
    [
        ("{", 400, "malformed_json"),
        ('{"reason": "a\\u0000b"}', 422, None),
        ('{"reason": "' + "x" * 201 + '"}', 422, None),
        ('{"reason": 5}', 422, None),
    ],
)
def test_a_bad_cancel_body_is_a_4xx_and_changes_nothing(api, shop, booked, body, status, code):
    response = post(api, url(shop, booked, "cancel"), body)
    assert response.status_code == status, response.content
    if code:
        assert response.json()["code"] == code
    assert Reservation.objects.get(pk=booked.pk).status == "confirmed"


def test_an_idempotency_key_replays_the_first_answer(api, shop, booked):
    first = post(api, url(shop, booked, "picked-up"), **{"Idempotency-Key": "k1"})
    again = post(api, url(shop, booked, "picked-up"), **{"Idempotency-Key": "k1"})
    assert again.status_code == 200 and again.json() == first.json()
    reused = post(api, url(shop, booked, "ready"), **{"Idempotency-Key": "k1"})
    assert reused.status_code == 409  # another step: not a replay, and not allowed now


def test_an_idempotency_key_for_a_different_request_is_refused(api, shop, listing, cafe_point):
    one = factories.make_reservation(shop, listing, cafe_point)
    two = factories.make_reservation(shop, listing, cafe_point)
    assert post(api, url(shop, one, "ready"), **{"Idempotency-Key": "k2"}).status_code == 200
    response = post(api, url(shop, two, "ready"), **{"Idempotency-Key": "k2"})
    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    assert Reservation.objects.get(pk=two.pk).status == "confirmed"


def test_unknown_and_other_shops_reservations_are_404(api, shop, other_shop, listing, booked):
    response = post(api, f"/api/shops/{shop.slug}/reservations/999999/ready")
    assert response.status_code == 404
    assert response.json()["code"] == "reservation_not_found"
    other_token = factories.make_token(other_shop)
    response = post(
        Client(),
        f"/api/shops/{other_shop.slug}/reservations/{booked.pk}/ready",
        Authorization=f"Bearer {other_token}",
    )
    assert response.status_code == 404
    response = Client().get(url(shop), headers={"Authorization": f"Bearer {other_token}"})
    assert response.status_code == 403
    assert Reservation.objects.get(pk=booked.pk).status == "confirmed"


def test_without_credentials_the_list_is_401(shop, booked):
    assert Client().get(url(shop)).status_code == 401


def test_scopes_decide_read_and_write(shop, booked):
    _t, reader = shop_services.issue_api_token(
        shop=shop, name="reader", scopes=["reservations:read"]
    )
    client = Client(headers={"Authorization": f"Bearer {reader}"})
    assert client.get(url(shop)).status_code == 200
    response = post(client, url(shop, booked, "ready"))
    assert response.status_code == 403
    assert response.json()["scope"] == "reservations:write"
    _t, writer = shop_services.issue_api_token(
        shop=shop, name="writer", scopes=["reservations:write"]
    )
    client = Client(headers={"Authorization": f"Bearer {writer}"})
    assert client.get(url(shop)).json()["code"] == "missing_scope"
    assert post(client, url(shop, booked, "ready")).status_code == 200


def test_the_owner_session_works_too(owner_client, shop, booked):
    assert owner_client.get(url(shop)).status_code == 200
    assert post(owner_client, url(shop, booked, "ready")).status_code == 200


def test_the_public_create_on_the_same_path_still_works(shop, listing, cafe_point, clock):
    response = post(
        Client(),
        url(shop),
        json.dumps(
            {
                "listing_id": listing.pk,
                "quantity": 1,
                "pickup_point_id": cafe_point.pk,
                "name": "김",
                "phone": "010-2222-3333",
            }
        ),
    )
    assert response.status_code == 201, response.content
