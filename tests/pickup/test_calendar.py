"""The shop's calendar over the API: weekly hours, closures (and the reservations they end),
pickup on a chosen day. The clock is Friday 2026-11-20 10:00 in Seoul."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.test import Client

from livestock.models import Listing
from pickup.models import PlaceClosure, Reservation
from pickup.services import calendar as calendar_services
from shops.models import ShopCalendar, ShopClosure
from tests import factories

pytestmark = pytest.mark.django_db

FRI, SAT, SUN, MON, TUE = (date(2026, 11, d) for d in (20, 21, 22, 23, 24))
BAKERY = {
    "mon": [],
    "tue": [["09:00", "19:00"]],
    "wed": [["09:00", "19:00"]],
    "thu": [["09:00", "19:00"]],
    "fri": [["09:00", "19:00"]],
    "sat": [["09:00", "18:00"]],
    "sun": [],
}


def send(client: Client, method: str, url: str, body) -> object:
    data = body if isinstance(body, str) else json.dumps(body)
    return getattr(client, method)(url, data, content_type="application/json")


def reserve(shop, listing, point, window=None, day=None, phone="010-1234-5678", **extra):
    body = {
        "listing_id": listing.pk,
        "quantity": 1,
        "pickup_point_id": point.pk,
        "name": "김동네",
        "phone": phone,
        **extra,
    }
    if window is not None:
        body["pickup_window"] = window.pk
    if day is not None:
        body["pickup_date"] = day
    return send(Client(), "post", f"/api/shops/{shop.slug}/reservations", body)


@pytest.fixture
def hours_url(shop):
    return f"/api/shops/{shop.slug}/hours"


@pytest.fixture
def with_hours(api, hours_url, clock):
    response = send(api, "put", hours_url, {"weekly": BAKERY})
    assert response.status_code == 200, response.content
    return response.json()


def test_put_and_get_hours(api, hours_url, with_hours, shop):
    assert with_hours == {"weekly": BAKERY, "closures": []}
    got = Client().get(hours_url).json()
    assert got["weekly"] == BAKERY and got["closures"] == []
    assert ShopCalendar.objects.get(shop=shop).weekly == BAKERY


def test_hours_need_the_owner(client, hours_url, other_token):
    response = send(Client(), "put", hours_url, {"weekly": BAKERY})
    assert response.status_code == 401
    foreign = Client(headers={"Authorization": f"Bearer {other_token}"})
    assert send(foreign, "put", hours_url, {"weekly": BAKERY}).status_code in (403, 404)


@pytest.mark.parametrize(
    ("weekly", "code"),
    [
        ({**BAKERY, "someday": []}, "unknown_weekday"),
        ({**BAKERY, "Monday": [["09:00", "10:00"]]}, "unknown_weekday"),
        ({**BAKERY, "tue": [["09:00", "13:00"], ["12:00", "19:00"]]}, "overlapping_ranges"),
        ({**BAKERY, "tue": [["19:00", "09:00"]]}, "reversed_range"),
        ({**BAKERY, "tue": [["09:00", "25:00"]]}, "invalid_time"),
        ({**BAKERY, "tue": [["25:00", "26:00"]]}, "invalid_time"),
        ({k: v for k, v in BAKERY.items() if k != "sun"}, "missing_weekday"),
        ("mon-fri 9-19", "invalid_hours"),
        (None, "invalid_hours"),
    ],
)
def test_bad_hours_are_422_and_nothing_is_stored(api, hours_url, shop, weekly, code):
    response = send(api, "put", hours_url, {"weekly": weekly})
    assert response.status_code == 422, response.content
    data = response.json()
    assert data["code"] == code and data["detail"]
    assert ShopCalendar.objects.get(shop=shop).weekly is None


def test_a_closed_weekday_is_refused_naming_the_next_open_day(
    with_hours, shop, listing, cafe_point, lunch
):
    response = reserve(shop, listing, cafe_point, lunch, day=MON.isoformat())
    assert response.status_code == 422
    data = response.json()
    assert data["code"] == "shop_closed"
    assert data["next_open_date"] == TUE.isoformat()
    assert "11월 24일(화)" in data["detail"]
    assert Listing.objects.get(pk=listing.pk).available == 200
    assert not Reservation.objects.exists()


def test_pickup_on_a_chosen_day_counts_capacity_per_date(
    with_hours, shop, listing, cafe_point, lunch
):
    for i in range(3):  # lunch holds 3 a day
        response = reserve(
            shop, listing, cafe_point, lunch, day=TUE.isoformat(), phone=f"010-5555-000{i}"
        )
        assert response.status_code == 201, response.content
        assert response.json()["date"] == TUE.isoformat()
    full = reserve(shop, listing, cafe_point, lunch, day=TUE.isoformat(), phone="010-5555-0009")
    assert (full.status_code, full.json()["code"]) == (409, "window_full")
    today = reserve(shop, listing, cafe_point, lunch, phone="010-5555-0009")
    assert today.status_code == 201 and today.json()["date"] == FRI.isoformat()


@pytest.mark.parametrize(
    "value", ["2026-11-31", "tomorrow", "2026/11/21", 20261121, "2026-11-19", "2026-11-28"]
)
def test_bad_pickup_dates_are_422(shop, listing, cafe_point, lunch, clock, value):
    response = reserve(shop, listing, cafe_point, lunch, day=value)
    assert response.status_code == 422, response.content
    assert response.json()["code"] == "invalid_pickup_date"
    assert not Reservation.objects.exists()


def test_last_allowed_day_is_seven_days_ahead(shop, listing, cafe_point, lunch, clock):
    response = reserve(shop, listing, cafe_point, lunch, day="2026-11-27")
    assert response.status_code == 201, response.content


def test_after_saturdays_last_window_the_default_is_tuesday(
    with_hours, shop, listing, cafe_point, lunch, clock
):
    clock.now = clock.now.replace(day=21)  # Saturday
    clock.set("14:00")  # lunch is over; Sunday and Monday are closed
    response = reserve(shop, listing, cafe_point)
    assert response.status_code == 201, response.content
    assert response.json()["date"] == TUE.isoformat()


def test_a_window_crossing_closing_time_is_refused(with_hours, shop, listing, cafe_point, clock):
    late = factories.make_window(cafe_point, "18:00", "20:00")
    response = reserve(shop, listing, cafe_point, late, day=FRI.isoformat())
    assert (response.status_code, response.json()["code"]) == (422, "window_outside_hours")


def test_window_offered_only_on_its_weekdays(shop, listing, cafe_point, lunch, clock):
    lunch.weekdays = 0b0011111  # Monday to Friday
    lunch.save()
    response = reserve(shop, listing, cafe_point, lunch, day=SAT.isoformat())
    assert (response.status_code, response.json()["code"]) == (422, "window_not_offered")
    assert reserve(shop, listing, cafe_point, lunch, day=MON.isoformat()).status_code == 201


def test_closing_a_day_cancels_its_reservations_with_the_reason(
    api, shop, listing, cafe_point, lunch, clock
):
    kept = reserve(shop, listing, cafe_point, lunch, phone="010-1111-2222").json()
    doomed = reserve(shop, listing, cafe_point, lunch, day=SAT.isoformat()).json()
    assert Listing.objects.get(pk=listing.pk).available == 198
    impact = api.get(f"/api/shops/{shop.slug}/closures/impact?date={SAT.isoformat()}")
    assert impact.json() == {"date": SAT.isoformat(), "reservations": 1}

    response = send(
        api,
        "post",
        f"/api/shops/{shop.slug}/closures",
        {"date": SAT.isoformat(), "reason": "집안 행사"},
    )
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["cancelled_reservations"] == 1 and created["id"]

    gone = Client().get(f"/api/reservations/{doomed['token']}").json()
    assert gone["status"] == "cancelled" and gone["cancelled_by"] == "shop"
    assert "집안 행사" in gone["cancel_reason"] and "11월 21일(토)" in gone["cancel_reason"]
    assert Client().get(f"/api/reservations/{kept['token']}").json()["status"] == "confirmed"
    assert Listing.objects.get(pk=listing.pk).available == 199
    page = Client().get(f"/r/{doomed['token']}/")
    assert "집안 행사" in page.content.decode()

    again = reserve(shop, listing, cafe_point, lunch, day=SAT.isoformat(), phone="010-3333-4444")
    assert (again.status_code, again.json()["code"]) == (422, "shop_closed")
    hours = Client().get(f"/api/shops/{shop.slug}/hours").json()
    assert hours["closures"] == [
        {"id": created["id"], "date": SAT.isoformat(), "reason": "집안 행사"}
    ]

    deleted = api.delete(f"/api/shops/{shop.slug}/closures/{created['id']}")
    assert deleted.status_code == 204
    assert not ShopClosure.objects.exists()
    assert (
        reserve(
            shop, listing, cafe_point, lunch, day=SAT.isoformat(), phone="010-3333-4444"
        ).status_code
        == 201
    )
    assert api.delete(f"/api/shops/{shop.slug}/closures/{created['id']}").status_code == 404


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"date": "2026-11-19"}, "closure_in_past"),
        ({"date": "2026-13-01"}, "invalid_date"),
        ({"date": "next friday"}, "invalid_date"),
        ({"date": None}, "invalid_date"),
        ({"date": 20261121}, "invalid_date"),
        ({"date": "2026-11-21", "reason": "x" * 201}, "reason_too_long"),
    ],
)
def test_bad_closures_are_422_and_nothing_is_stored(api, shop, clock, body, code):
    response = send(api, "post", f"/api/shops/{shop.slug}/closures", body)
    assert response.status_code == 422, response.content
    assert response.json()["code"] == code
    assert not ShopClosure.objects.exists()


def test_a_second_closure_of_the_same_day_is_409(api, shop, clock):
    url = f"/api/shops/{shop.slug}/closures"
    assert send(api, "post", url, {"date": "2026-11-21"}).status_code == 201
    response = send(api, "post", url, {"date": "2026-11-21"})
    assert (response.status_code, response.json()["code"]) == (409, "closure_exists")


def test_closing_today_mid_day_cancels_the_rest_of_today(
    api, shop, listing, cafe_point, lunch, clock
):
    r = reserve(shop, listing, cafe_point, lunch).json()
    clock.set("11:30")
    response = send(api, "post", f"/api/shops/{shop.slug}/closures", {"date": FRI.isoformat()})
    assert response.json()["cancelled_reservations"] == 1
    assert Reservation.objects.get(token=r["token"]).status == "cancelled"
    # With no date, the next reservation goes to tomorrow.
    nxt = reserve(shop, listing, cafe_point, phone="010-9999-0000")
    assert nxt.status_code == 201 and nxt.json()["date"] == SAT.isoformat()


def test_a_cafe_closure_refuses_that_cafe_only(
    shop, listing, cafe_point, counter_point, lunch, clock
):
    calendar_services.close_day(
        shop=shop, day=SAT, reason="카페 정기 점검", place_id=cafe_point.place_id
    )
    assert PlaceClosure.objects.filter(place=cafe_point.place, date=SAT).exists()
    refused = reserve(shop, listing, cafe_point, lunch, day=SAT.isoformat())
    assert (refused.status_code, refused.json()["code"]) == (422, "shop_closed")
    assert reserve(shop, listing, counter_point, day=SAT.isoformat()).status_code == 201


def test_a_later_days_reservation_is_no_show_only_after_its_own_window(
    shop, listing, cafe_point, lunch, clock
):
    from datetime import timedelta

    from pickup.services.reservations import expire_no_shows

    later = reserve(shop, listing, cafe_point, lunch, day=SAT.isoformat()).json()
    clock.set("23:00")  # Friday night: Saturday's window is still ahead
    assert expire_no_shows() == 0
    clock.now = clock.at("14:31") + timedelta(days=1)  # Saturday, window + grace over
    assert expire_no_shows() == 1
    assert Reservation.objects.get(token=later["token"]).status == "no_show"
    assert Listing.objects.get(pk=listing.pk).available == 200
