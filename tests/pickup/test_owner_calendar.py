"""The owner console's calendar: hours form, closing a day (count first, then confirm),
tomorrow's prep list and the stock held for later days. Clock: Friday 2026-11-20 10:00."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.test import Client

from pickup.codes import format_code
from pickup.models import PickupWindow, PlaceClosure, Reservation
from pickup.services import reservations as reservation_services
from shops.models import ShopCalendar, ShopClosure

pytestmark = pytest.mark.django_db

SAT = date(2026, 11, 21)


def reserve(shop, listing, point, window=None, day=None, phone="010-1234-5678", quantity=1):
    return reservation_services.reserve(
        shop=shop,
        listing_id=listing.pk,
        quantity=quantity,
        pickup_point_id=point.pk,
        window_id=window.pk if window else None,
        pickup_date=day,
        name="김동네",
        phone=phone,
    )[0]


def test_hours_form_saves_ranges_and_closed_days(owner_client, shop, clock):
    fields = {d: "09:00-19:00" for d in ("tue", "wed", "thu", "fri")}
    fields.update(mon="", sat="09:00-12:00, 13:00-18:00", sun="")
    response = owner_client.post(f"/owner/s/{shop.slug}/hours/save/", fields)
    assert response.status_code == 302
    weekly = ShopCalendar.objects.get(shop=shop).weekly
    assert weekly["mon"] == [] and weekly["sat"] == [["09:00", "12:00"], ["13:00", "18:00"]]
    page = owner_client.get(f"/owner/s/{shop.slug}/hours/").content.decode()
    assert 'value="09:00-12:00, 13:00-18:00"' in page


@pytest.mark.parametrize(
    "text", ["25:00-26:00", "19:00-09:00", "9시-6시", "09:00-13:00, 12:00-18:00"]
)
def test_bad_hours_in_the_form_store_nothing(owner_client, shop, clock, text):
    fields = {d: "09:00-19:00" for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    fields["tue"] = text
    response = owner_client.post(f"/owner/s/{shop.slug}/hours/save/", fields)
    assert ShopCalendar.objects.get(shop=shop).weekly is None
    assert response.status_code == 422
    html = response.content.decode()
    # The week as typed stays, and the sentence sits on the day it is about.
    assert f'value="{text}"' in html and 'value="09:00-19:00"' in html
    assert 'aria-describedby="hours-tue-error"' in html
    assert re.search(r'role="alert" id="hours-tue-error">[^<]+<', html)


def test_closing_a_day_with_reservations_asks_first(
    owner_client, shop, listing, cafe_point, lunch, clock
):
    r = reserve(shop, listing, cafe_point, lunch, day=SAT.isoformat())
    url = f"/owner/s/{shop.slug}/closures/"
    asked = owner_client.post(url, {"date": "2026-11-21", "reason": "가족 행사"})
    assert asked.status_code == 200
    html = asked.content.decode()
    assert "예약 1건이 취소" in html and 'name="confirm" value="1"' in html
    assert not ShopClosure.objects.exists()
    r.refresh_from_db()
    assert r.status == Reservation.Status.CONFIRMED

    done = owner_client.post(url, {"date": "2026-11-21", "reason": "가족 행사", "confirm": "1"})
    assert done.status_code == 302
    r.refresh_from_db()
    assert r.status == Reservation.Status.CANCELLED and "가족 행사" in r.cancel_reason
    assert ShopClosure.objects.get(shop=shop).date == SAT


def test_closing_an_empty_day_needs_no_confirmation(owner_client, shop, clock):
    response = owner_client.post(f"/owner/s/{shop.slug}/closures/", {"date": "2026-11-25"})
    assert response.status_code == 302
    assert ShopClosure.objects.filter(shop=shop, date=date(2026, 11, 25)).exists()
    closure = ShopClosure.objects.get()
    owner_client.post(f"/owner/s/{shop.slug}/closures/{closure.pk}/remove/")
    assert not ShopClosure.objects.exists()


@pytest.mark.parametrize(
    ("typed", "field", "message"),
    [
        ({"date": "2026-11-01", "reason": "가족 행사"}, "date", "지난 날짜는"),
        ({"date": "11/25", "reason": "가족 행사"}, "date", "2025-01-31 같은 형식"),
        ({"date": "2026-11-25", "reason": "쉼" * 201}, "reason", "휴무 사유"),
    ],
)
def test_a_refused_closure_is_said_next_to_its_field_with_what_was_typed(
    owner_client, shop, cafe_point, clock, typed, field, message
):
    posted = {**typed, "place_id": str(cafe_point.place_id)}
    response = owner_client.post(f"/owner/s/{shop.slug}/closures/", posted)
    assert response.status_code == 422
    html = response.content.decode()
    error = re.search(
        rf'<p class="field-error" role="alert" id="closure-{field}-error">([^<]+)<', html
    )
    assert error and message in error[1]
    assert f'aria-describedby="closure-{field}-error"' in html
    assert f'value="{typed["date"]}"' in html and typed["reason"][:20] in html
    assert re.search(rf'<option value="{cafe_point.place_id}" selected>', html)
    assert not ShopClosure.objects.exists() and not PlaceClosure.objects.exists()


def test_a_day_closed_twice_is_said_on_the_date(owner_client, shop, clock):
    url = f"/owner/s/{shop.slug}/closures/"
    assert owner_client.post(url, {"date": "2026-11-25"}).status_code == 302
    again = owner_client.post(url, {"date": "2026-11-25"})
    assert again.status_code == 409
    assert 'id="closure-date-error">이미 휴무일로 정한 날입니다.<' in again.content.decode()
    assert ShopClosure.objects.count() == 1


def test_closing_a_cafe_day_from_the_console(owner_client, shop, cafe_point, clock):
    owner_client.post(
        f"/owner/s/{shop.slug}/closures/",
        {"date": "2026-11-25", "place_id": str(cafe_point.place_id)},
    )
    assert PlaceClosure.objects.filter(place=cafe_point.place, date=date(2026, 11, 25)).exists()
    assert not ShopClosure.objects.exists()


def test_holidays_are_suggested_not_applied(owner_client, shop, clock):
    clock.now = clock.now.replace(month=12, day=1)
    html = owner_client.get(f"/owner/s/{shop.slug}/hours/").content.decode()
    assert "2026-12-25" in html and "기독탄신일" in html
    assert not ShopClosure.objects.exists()


def test_reservations_page_shows_tomorrow_prep_and_held_stock(
    owner_client, shop, listing, cafe_point, lunch, clock
):
    reserve(shop, listing, cafe_point, lunch, quantity=2)  # today
    reserve(shop, listing, cafe_point, lunch, day="2026-11-21", quantity=3, phone="010-2222-3333")
    reserve(shop, listing, cafe_point, lunch, day="2026-11-24", quantity=4, phone="010-4444-5555")
    html = owner_client.get(f"/owner/s/{shop.slug}/reservations/").content.decode()
    assert "내일 준비할 것" in html
    assert "<strong>3</strong> × 단감" in html
    assert "<strong>7팩</strong> × 단감" in html and "11/21 3, 11/24 4" in html
    tomorrow = owner_client.get(f"/owner/s/{shop.slug}/reservations/?date=2026-11-21")
    assert "내일 예약" in tomorrow.content.decode()
    assert tomorrow.content.decode().count('class="resv resv-confirmed"') == 1


def test_window_weekdays_from_the_console(owner_client, shop, cafe_point, clock):
    owner_client.post(
        f"/owner/s/{shop.slug}/windows/",
        {
            "pickup_point": str(cafe_point.pk),
            "starts_at": "10:00",
            "ends_at": "11:00",
            "weekday": ["0", "2", "4"],
        },
    )
    window = PickupWindow.objects.get(pickup_point=cafe_point)
    assert window.weekday_numbers() == [0, 2, 4]
    assert window.offered_on(date(2026, 11, 20)) and not window.offered_on(SAT)


def test_hours_pages_are_for_managers_only(client, shop, clock):
    assert Client().get(f"/owner/s/{shop.slug}/hours/").status_code == 302


def test_window_admin_sets_weekdays(shop, cafe_point, clock):
    from django.contrib.auth import get_user_model

    admin_user = get_user_model().objects.create_superuser("root", password="pw-for-tests-1")
    client = Client()
    client.force_login(admin_user)
    response = client.post(
        "/admin/pickup/pickupwindow/add/",
        {
            "pickup_point": cafe_point.pk,
            "starts_at": "10:00",
            "ends_at": "11:00",
            "capacity": "",
            "is_active": "on",
            "days": ["5", "6"],
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert PickupWindow.objects.get(pickup_point=cafe_point).weekday_numbers() == [5, 6]
    assert client.get("/admin/shops/shopclosure/").status_code == 200
    assert client.get("/admin/pickup/placeclosure/").status_code == 200


def test_cafe_page_lists_today_and_tomorrow(shop, listing, cafe_point, lunch, clock):
    today = reserve(shop, listing, cafe_point, lunch)
    tomorrow = reserve(shop, listing, cafe_point, lunch, day="2026-11-21", phone="010-2222-3333")
    later = reserve(shop, listing, cafe_point, lunch, day="2026-11-24", phone="010-4444-5555")
    html = Client().get(f"/cafe/{cafe_point.place.staff_token}/").content.decode()
    today_part, _sep, tomorrow_part = html.partition("data-cafe-tomorrow")
    shown = {r.pk: format_code(r.code) for r in (today, tomorrow, later)}
    assert shown[today.pk] in today_part and shown[tomorrow.pk] not in today_part
    assert "내일 받을 주문 1건" in html and shown[tomorrow.pk] in tomorrow_part
    assert shown[later.pk] not in html
