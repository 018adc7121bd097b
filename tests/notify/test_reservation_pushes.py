"""Reservation pushes (transactional, not advertising): asked for with the reservation body's
``push_subscription`` (pickup's API checks it first and tells notify through a signal) or from
the reservation page; ready, the reminder 30 minutes before the window ends, cancelled by the
shop, and the owner's "새 예약"."""

from __future__ import annotations

import json
from datetime import time, timedelta

import pytest
from django.test import Client

from notify.models import ReservationWatch
from pickup.models import Reservation
from pickup.services import reservations
from tests import factories
from tests.notify.test_delivery import run_worker


@pytest.fixture
def client():
    return Client(enforce_csrf_checks=True)


@pytest.fixture
def cafe(shop):
    return factories.make_cafe(
        shop, "골목 카페", opens_at=time(8), closes_at=time(22), opening_hours="매일 08:00–22:00"
    )


@pytest.fixture
def lunch(cafe):
    return factories.make_window(cafe, "12:00", "14:00")


def reserve(client, shop, listing, cafe, lunch, **extra):
    body = {
        "listing_id": listing.pk,
        "quantity": 2,
        "pickup_point_id": cafe.pk,
        "pickup_window": lunch.pk,
        "name": "김동네",
        "phone": factories.next_phone(),
        **extra,
    }
    return client.post(
        f"/api/shops/{shop.slug}/reservations", json.dumps(body), content_type="application/json"
    )


def test_reservation_with_a_push_subscription_hears_ready_reminder_and_no_advertising(
    client, push_service, shop, listing, cafe, lunch, clock
):
    phone = push_service.browser()
    response = reserve(client, shop, listing, cafe, lunch, push_subscription=phone.subscription)
    assert response.status_code == 201, response.content
    token = response.json()["token"]
    reservation = Reservation.objects.get(token=token)
    assert ReservationWatch.objects.filter(reservation=reservation).count() == 1

    reservations.mark_ready(shop=shop, reservation_id=reservation.pk)
    [ready] = phone.messages
    assert ready["title"] == f"{shop.name} · 준비 완료"
    assert "단감 2개" in ready["body"] and reservation.code in ready["body"]
    assert "14:00" in ready["body"] and "골목 카페" in ready["body"]
    assert ready["url"] == f"http://testserver/r/{token}/"
    assert not ready["title"].startswith("(광고)") and "수신거부" not in ready["body"]
    assert phone.requests[0]["headers"]["urgency"] == "high"

    clock.set("13:20")
    run_worker(clock)
    assert len(phone.messages) == 1  # 40 minutes left: not yet
    clock.set("13:31")
    run_worker(clock)
    run_worker(clock, 60)  # once only
    assert [m["title"] for m in phone.messages][1:] == [f"{shop.name} · 수령 마감 30분 전"]
    assert phone.messages[1]["url"] == f"http://testserver/r/{token}/"


def test_no_reminder_once_picked_up(client, push_service, shop, listing, cafe, lunch, clock):
    phone = push_service.browser()
    response = reserve(client, shop, listing, cafe, lunch, push_subscription=phone.subscription)
    reservation = Reservation.objects.get(token=response.json()["token"])
    reservations.mark_picked_up(shop=shop, code=reservation.code)
    clock.set("13:35")
    run_worker(clock)
    assert phone.messages == []


def test_cancelled_by_the_shop_is_pushed_but_the_customers_own_cancel_is_not(
    client, push_service, shop, listing, cafe, lunch, clock
):
    phone = push_service.browser()
    first = reserve(client, shop, listing, cafe, lunch, push_subscription=phone.subscription)
    second = reserve(client, shop, listing, cafe, lunch, push_subscription=phone.subscription)
    one = Reservation.objects.get(token=first.json()["token"])
    two = Reservation.objects.get(token=second.json()["token"])
    reservations.cancel_reservation(reservation_id=one.pk, by="shop", shop=shop, reason="재고 소진")
    reservations.cancel_reservation(reservation_id=two.pk, by="customer")
    [message] = phone.messages
    assert message["title"] == f"{shop.name} · 예약이 취소됐어요"
    assert "재고 소진" in message["body"]
    assert message["url"].endswith(f"/r/{one.token}/")


def test_the_reservation_page_can_ask_for_pushes_later(
    client, push_service, shop, listing, cafe, lunch, clock
):
    token = reserve(client, shop, listing, cafe, lunch).json()["token"]
    phone = push_service.browser()
    url = f"/api/reservations/{token}/push"
    body = json.dumps({"subscription": phone.subscription})
    assert client.post(url, body, content_type="application/json").status_code == 201
    assert client.post(url, body, content_type="application/json").status_code == 201
    assert ReservationWatch.objects.count() == 1
    missing = client.post(
        "/api/reservations/" + "x" * 20 + "/push", body, content_type="application/json"
    )
    assert missing.status_code == 404


def test_a_refused_push_endpoint_refuses_the_reservation_and_stores_nothing(
    client, push_service, shop, listing, cafe, lunch, clock
):
    subscription = push_service.browser().subscription
    evil = {**subscription, "endpoint": "http://169.254.169.254/latest/meta-data"}
    response = reserve(client, shop, listing, cafe, lunch, push_subscription=evil)
    assert response.status_code == 422
    assert response.json()["code"] == "push_endpoint_not_allowed"
    assert response.json()["detail"]
    broken = {**subscription, "keys": {"p256dh": "bm9wZQ", "auth": "x"}}
    response = reserve(client, shop, listing, cafe, lunch, push_subscription=broken)
    assert response.status_code == 422 and response.json()["code"] == "invalid_subscription"
    response = reserve(client, shop, listing, cafe, lunch, push_subscription="yes please")
    assert response.status_code == 422
    assert not Reservation.objects.exists()
    listing.refresh_from_db()
    assert listing.available == 200


def test_the_owner_hears_of_new_reservations_on_their_own_phone(
    client, push_service, shop, owner, listing, cafe, lunch, clock
):
    phone = push_service.browser()
    staff = Client()
    staff.force_login(owner)
    url = f"/api/shops/{shop.slug}/push/new-reservations"
    body = json.dumps({"subscription": phone.subscription})
    assert Client().post(url, body, content_type="application/json").status_code == 401
    assert staff.post(url, body, content_type="application/json").status_code == 201
    reserve(client, shop, listing, cafe, lunch)
    [message] = phone.messages
    assert message["title"] == "새 예약 · 단감 2개"
    assert message["url"] == f"http://testserver/owner/s/{shop.slug}/reservations/"
    stop = staff.post(
        url + "/stop", json.dumps({"endpoint": phone.endpoint}), content_type="application/json"
    )
    assert stop.status_code == 204
    reserve(client, shop, listing, cafe, lunch)
    assert len(phone.messages) == 1


def test_someone_elses_shop_is_refused(client, push_service, shop, other_shop):
    stranger = factories.make_owner(other_shop, username="stranger")
    session = Client()
    session.force_login(stranger)
    response = session.post(
        f"/api/shops/{shop.slug}/push/new-reservations",
        json.dumps({"subscription": push_service.browser().subscription}),
        content_type="application/json",
    )
    assert response.status_code == 403


def test_reminder_waits_for_nobody_at_night_it_is_not_advertising(
    client, push_service, shop, listing, cafe, clock
):
    late = factories.make_window(cafe, "21:00", "21:50")
    phone = push_service.browser()
    response = reserve(client, shop, listing, cafe, late, push_subscription=phone.subscription)
    assert response.status_code == 201, response.content
    clock.set("21:25")
    run_worker(clock, timedelta(0).seconds)
    assert [m["title"] for m in phone.messages] == [f"{shop.name} · 수령 마감 30분 전"]
