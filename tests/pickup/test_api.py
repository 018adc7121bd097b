"""The public reservation API: the happy path, idempotency, abuse limits and every bad input."""

from __future__ import annotations

import json

import pytest
from django.test import Client, override_settings

from livestock.models import Listing, StockEvent
from livestock.services import OptionSpec
from pickup.models import Reservation
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def client() -> Client:
    return Client(enforce_csrf_checks=True)


@pytest.fixture
def url(shop) -> str:
    return f"/api/shops/{shop.slug}/reservations"


@pytest.fixture
def body(listing, cafe_point, lunch) -> dict:
    return {
        "listing_id": listing.pk,
        "quantity": 2,
        "pickup_point_id": cafe_point.pk,
        "pickup_window": lunch.pk,
        "name": "김동네",
        "phone": "010-1234-5678",
    }


def post(client, url, body, **headers):
    data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return client.post(url, data, content_type="application/json", headers=headers)


def test_reserve_get_and_cancel(client, url, body, listing, clock):
    response = post(client, url, {**body, "consent": True})
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["status"] == "confirmed" and len(data["code"]) == 6 and data["token"]
    assert data["total_price"] == 2 * listing.pickup_price
    assert data["window"]["label"] == "12:00–14:00"
    assert data["pickup_point"]["name"] == "골목 카페" and data["pickup_point"]["address"]
    assert data["url"] == f"/r/{data['token']}/"
    assert data["phone_masked"] == "010-****-5678" and "+8210" not in response.content.decode()
    assert Listing.objects.get(pk=listing.pk).available == 198

    fetched = client.get(f"/api/reservations/{data['token']}")
    assert fetched.status_code == 200 and fetched.json()["code"] == data["code"]

    cancelled = client.post(f"/api/reservations/{data['token']}/cancel")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert Listing.objects.get(pk=listing.pk).available == 200
    again = client.post(
        f"/api/reservations/{data['token']}/cancel",
        json.dumps({"reason": "x"}),
        content_type="application/json",
    )
    assert again.status_code == 409 and again.json()["code"] == "already_cancelled"
    assert Listing.objects.get(pk=listing.pk).available == 200


def test_double_tap_with_idempotency_key_returns_one_reservation_twice(
    client, url, body, listing, clock
):
    first = post(client, url, body, **{"Idempotency-Key": "k-1"})
    second = post(client, url, body, **{"Idempotency-Key": "k-1"})
    assert first.status_code == second.status_code == 201
    assert first.json()["token"] == second.json()["token"]
    assert (first.json()["replayed"], second.json()["replayed"]) == (False, True)
    assert Reservation.objects.count() == 1
    assert Listing.objects.get(pk=listing.pk).available == 198


def test_insufficient_stock_is_409_with_available(client, url, body, listing, clock):
    Listing.objects.filter(pk=listing.pk).update(max_per_customer=100)
    response = post(client, url, {**body, "quantity": 100})
    assert response.status_code == 201
    response = post(client, url, {**body, "quantity": 100, "phone": "010-9999-0000"})
    assert response.status_code == 201
    response = post(client, url, {**body, "quantity": 1, "phone": "010-9999-0001"})
    assert response.status_code == 409
    assert response.json()["code"] == "insufficient_stock"
    assert response.json()["available"] == 0


def test_unknown_shop_and_token_are_404(client, body, clock):
    assert post(client, "/api/shops/nope/reservations", body).status_code == 404
    assert client.get("/api/reservations/nope").json()["code"] == "reservation_not_found"
    assert client.post("/api/reservations/" + "x" * 80 + "/cancel").status_code == 404


def test_cancel_body_is_optional_but_must_be_sane(client, url, body, clock):
    token = post(client, url, body).json()["token"]
    bad = client.post(f"/api/reservations/{token}/cancel", "{", content_type="application/json")
    assert (bad.status_code, bad.json()["code"]) == (400, "malformed_json")
    long = client.post(
        f"/api/reservations/{token}/cancel",
        json.dumps({"reason": "가" * 201}),
        content_type="application/json",
    )
    assert (long.status_code, long.json()["code"]) == (422, "reason_too_long")
    assert Reservation.objects.get().status == "confirmed"


BAD = [
    ("quantity zero", {"quantity": 0}, 422, "invalid_quantity"),
    ("quantity negative", {"quantity": -3}, 422, "invalid_quantity"),
    ("quantity fractional", {"quantity": 1.5}, 422, "invalid_input"),
    ("quantity string", {"quantity": "2"}, 422, "invalid_input"),
    ("quantity bool", {"quantity": True}, 422, "invalid_input"),
    ("quantity absurd", {"quantity": 10**12}, 422, "invalid_quantity"),
    ("quantity missing", {"quantity": None}, 422, "invalid_input"),
    ("unknown listing", {"listing_id": 10**9}, 404, "listing_not_found"),
    ("negative listing", {"listing_id": -1}, 404, "listing_not_found"),
    ("unknown point", {"pickup_point_id": 10**9}, 404, "pickup_point_not_found"),
    ("unknown option", {"option_id": 10**9}, 404, "option_not_found"),
    ("unknown window", {"pickup_window": 10**9}, 404, "window_not_found"),
    ("invalid phone", {"phone": "123"}, 422, "invalid_phone"),
    ("landline phone", {"phone": "02-123-4567"}, 422, "invalid_phone"),
    ("phone wrong type", {"phone": 1012345678}, 422, "invalid_input"),
    ("empty name", {"name": "   "}, 422, "name_required"),
    ("long name", {"name": "가" * 41}, 422, "name_too_long"),
    ("oversized name", {"name": "가" * 5000}, 422, "invalid_input"),
    ("oversized phone", {"phone": "0" * 5000}, 422, "invalid_input"),
    ("consent not bool", {"consent": "yes"}, 422, "invalid_input"),
]


@pytest.mark.parametrize("label, change, status, code", BAD, ids=[b[0] for b in BAD])
def test_bad_input_is_a_korean_4xx_and_takes_nothing(
    client, url, body, listing, clock, label, change, status, code
):
    payload = {k: v for k, v in {**body, **change}.items() if v is not None}
    events = StockEvent.objects.count()
    response = post(client, url, payload)
    assert response.status_code == status, response.content
    data = response.json()
    assert data["code"] == code
    assert any("\uac00" <= ch <= "\ud7a3" for ch in data["detail"])  # a Korean sentence
    assert Listing.objects.get(pk=listing.pk).available == 200
    assert StockEvent.objects.count() == events
    assert not Reservation.objects.exists()


def test_other_shops_listing_option_point_and_paused_point(
    client, url, body, shop, other_shop, listing, clock
):
    foreign_listing = factories.make_listing(
        other_shop, "남의 감", 5, options=[OptionSpec("1팩", 1, 100, 90)]
    )
    foreign_point = factories.make_cafe(other_shop, "남의 카페")
    paused = factories.make_cafe(shop, "쉬는 카페", status="paused")
    cases = [
        ({"listing_id": foreign_listing.pk}, 404, "listing_not_found"),
        ({"option_id": foreign_listing.options.get().pk}, 404, "option_not_found"),
        ({"pickup_point_id": foreign_point.pk}, 404, "pickup_point_not_found"),
        ({"pickup_point_id": paused.pk, "pickup_window": None}, 409, "pickup_point_paused"),
    ]
    for change, status, code in cases:
        payload = {k: v for k, v in {**body, **change}.items() if v is not None}
        response = post(client, url, payload)
        assert (response.status_code, response.json()["code"]) == (status, code)
    assert not Reservation.objects.exists()
    assert Listing.objects.get(pk=foreign_listing.pk).available == 5


def test_past_window_and_window_outside_hours(client, url, body, cafe_point, lunch, clock):
    clock.set("14:00")
    response = post(client, url, body)
    assert (response.status_code, response.json()["code"]) == (422, "window_past")
    clock.set("10:00")
    place = cafe_point.place
    place.opens_at = place.opens_at.replace(hour=13)
    place.save()
    response = post(client, url, body)
    assert (response.status_code, response.json()["code"]) == (422, "window_outside_hours")
    assert not Reservation.objects.exists()


@pytest.mark.parametrize("raw", ["{", "", "[1, 2]", "null", '{"listing_id": }', "\xff\xfe"])
def test_malformed_json_is_a_4xx(client, url, raw, clock):
    response = post(client, url, raw)
    assert 400 <= response.status_code < 500
    assert response.json()["code"] in {"malformed_json", "invalid_input"}
    assert not Reservation.objects.exists()


@override_settings(PICKUP_RATE_LIMIT=3)
def test_per_ip_rate_limit_answers_429(client, url, body, evening, clock):
    body = {**body, "pickup_window": evening.pk}
    codes = [
        post(client, url, {**body, "phone": f"010-5555-000{i}", "quantity": 1}).status_code
        for i in range(4)
    ]
    assert codes == [201, 201, 201, 429]
    response = post(client, url, body)
    assert response.json()["code"] == "rate_limited" and response.json()["retry_after"] > 0
    other_ip = Client(REMOTE_ADDR="10.0.0.2")
    assert post(other_ip, url, {**body, "phone": "010-5555-0009"}).status_code == 201


@override_settings(PICKUP_MAX_ACTIVE_PER_PHONE=2)
def test_active_cap_per_phone_answers_429(client, url, body, clock):
    statuses = [post(client, url, {**body, "quantity": 1}).status_code for _ in range(3)]
    assert statuses == [201, 201, 429]
    assert Reservation.objects.count() == 2


def test_a_reservation_counts_once_for_the_shared_link_the_visitor_came_through(
    url, body, shop, clock
):
    from shops.models import ShareStat

    phone_ua = (
        "Mozilla/5.0 (Linux; Android 14; SM-S921N) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36"
    )
    visitor = Client(headers={"User-Agent": phone_ua})
    visitor.get(f"/s/{shop.slug}/?ref=kakao")
    for _ in range(2):  # a double tap: one reservation, counted once
        assert post(visitor, url, body, **{"Idempotency-Key": "share-1"}).status_code == 201
    row = ShareStat.objects.get(shop=shop, channel="kakao")
    assert (row.visits, row.reservations) == (1, 1)


def test_reservation_without_a_window_gets_the_next_open_one(client, url, body, listing, clock):
    payload = {k: v for k, v in body.items() if k != "pickup_window"}
    response = post(client, url, payload)
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["status"] == "confirmed" and data["token"] and data["code"]
    assert Reservation.objects.get().window_id == body["pickup_window"]


def test_reservations_still_work_while_the_shared_cache_is_down(
    client, url, body, listing, clock, caplog
):
    """The project's Redis cache backend, pointed at a port nobody listens on: the rate
    limits pause (logged) and the customer still gets the reservation."""
    from django.test import override_settings

    dead = {"default": {"BACKEND": "shops.cache.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}}
    with override_settings(CACHES=dead):
        response = post(client, url, body)
    assert response.status_code == 201, response.content
    assert "cache unavailable" in caplog.text


def test_idempotency_record_holds_no_personal_data_and_lives_48_hours(
    client, url, body, listing, clock
):
    from datetime import timedelta

    from pickup import tasks
    from shops.models import IdempotencyRecord

    first = post(client, url, body, **{"Idempotency-Key": "k-48"})
    assert first.status_code == 201
    data = first.json()
    record = IdempotencyRecord.objects.get(key="k-48")
    stored = json.dumps([record.response, record.fingerprint, record.scope], ensure_ascii=False)
    for personal in (data["token"], data["code"], "김동네", "1234-5678", "12345678", "5678"):
        assert personal not in stored
    assert set(record.response) == {"reservation_id"}

    clock.now += timedelta(hours=47)
    replay = post(client, url, body, **{"Idempotency-Key": "k-48"})
    assert replay.status_code == 201
    assert replay.json() == {**data, "replayed": True}
    post(client, url, {**body, "phone": "010-2222-3333"}, **{"Idempotency-Key": "k-fresh"})

    clock.now += timedelta(hours=2)
    tasks.purge_expired_phones()  # the daily privacy retention job
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["k-fresh"]
    reused = post(client, url, body, **{"Idempotency-Key": "k-48"})
    assert reused.status_code == 201 and reused.json()["replayed"] is False
    assert reused.json()["token"] != data["token"]
    assert Reservation.objects.count() == 3


def test_an_expired_key_is_not_replayed_even_before_the_job_runs(client, url, body, listing, clock):
    from datetime import timedelta

    first = post(client, url, body, **{"Idempotency-Key": "k-old"})
    clock.now += timedelta(hours=49)
    again = post(client, url, {**body, "quantity": 1}, **{"Idempotency-Key": "k-old"})
    assert again.status_code == 201 and again.json()["replayed"] is False
    assert again.json()["token"] != first.json()["token"]


def test_asking_for_more_than_is_left_is_insufficient_stock_even_over_the_limit(
    client, url, body, listing, clock
):
    """The count that is left is what the customer can act on, so it wins over the
    per-customer limit; a request within stock but over the limit names the limit."""
    Listing.objects.filter(pk=listing.pk).update(available=20, max_per_customer=5)
    response = post(client, url, {**body, "quantity": 50})
    assert response.status_code == 409
    assert (response.json()["code"], response.json()["available"]) == ("insufficient_stock", 20)
    response = post(client, url, {**body, "quantity": 6})
    assert (response.status_code, response.json()["code"]) == (409, "limit_per_customer")
    assert Listing.objects.get(pk=listing.pk).available == 20
