"""The reservation lifecycle through pickup.services.reservations, with a clock to time travel."""

from __future__ import annotations

from datetime import timedelta
from functools import partial

import pytest
from django.db import transaction
from django.test import override_settings

from livestock.models import Listing, StockEvent
from livestock.services import OptionSpec, end_listing
from pickup import streams
from pickup.models import PickupWindow, Reservation
from pickup.services import reservations, windows
from realtime import publish
from shops.errors import (
    Conflict,
    DomainError,
    InvalidInput,
    NotFound,
    PermissionDenied,
    RateLimited,
)
from tests import factories

pytestmark = pytest.mark.django_db


def available(listing) -> int:
    return Listing.objects.get(pk=listing.pk).available


def reserve(shop, listing, point, window=None, **kw):
    return factories.make_reservation(shop, listing, point, window, **kw)


@pytest.fixture
def sent(monkeypatch):
    messages = []
    # Recorded when the change commits, as the real publisher sends it: the customer's
    # message ("public") and the owner feed's ("staff").

    def record(sends):
        by_group = {group.split(".")[0]: message["reservation"] for group, message in sends}
        messages.append({"public": by_group["reservation"], "staff": by_group["owner"]})

    monkeypatch.setattr(
        streams,
        "publish_many_on_commit",
        lambda sends: transaction.on_commit(partial(record, list(sends))),
    )
    return messages


def test_reserve_takes_stock_through_the_stock_service_and_announces_after_commit(
    shop, listing, cafe_point, lunch, clock, sent, django_capture_on_commit_callbacks
):
    version = shop.stock_version
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        made, replayed = reservations.reserve(
            shop=shop,
            listing_id=listing.pk,
            quantity=3,
            pickup_point_id=cafe_point.pk,
            window_id=lunch.pk,
            name="  김 동네 ",
            phone="010 1234 5678",
            consent=True,
        )
    assert not replayed
    assert isinstance(made, Reservation)  # the service returns the domain object
    r = Reservation.objects.get(pk=made.pk)
    assert (r.status, r.quantity, r.units, r.unit_price, r.total_price) == (
        "confirmed",
        3,
        3,
        listing.pickup_price,
        3 * listing.pickup_price,
    )
    assert r.phone == "+821012345678" and r.name == "김 동네" and r.phone_consent
    assert len(r.code) == 6 and len(r.token) >= 32
    assert (r.pickup_starts_at, r.pickup_ends_at) == (clock.at("12:00"), clock.at("14:00"))
    assert available(listing) == 197
    event = StockEvent.objects.filter(listing=listing).order_by("-version").first()
    assert (event.delta, event.reason, event.version) == (-3, "reserved", version + 2)
    assert (made.code, made.status, made.token) == (r.code, "confirmed", r.token)
    assert sent[0]["public"]["phone_masked"] == "010-****-5678"
    assert len(callbacks) == 2  # the stock broadcast and the reservation broadcast
    assert sent[0]["public"]["status"] == "confirmed"
    assert sent[0]["staff"]["phone_masked"] == "010-****-5678"
    assert "token" not in sent[0]["staff"]


def test_option_takes_its_units_and_uses_its_pickup_price(shop, cafe_point, lunch, clock):
    listing = factories.make_listing(
        shop,
        "단감",
        10,
        options=[OptionSpec("1팩", 2, 9000, 7900), OptionSpec("반팩", 1, 5000, 4200)],
    )
    option = listing.options.get(label="1팩")
    r = reserve(shop, listing, cafe_point, lunch, quantity=3, option_id=option.pk)
    assert (r.units, r.unit_price, r.total_price, r.item_name) == (6, 7900, 23700, "단감 (1팩)")
    assert available(listing) == 4
    with pytest.raises(Conflict) as exc:  # 3 × 2 units > 4 left
        reserve(shop, listing, cafe_point, lunch, quantity=3, option_id=option.pk)
    assert exc.value.code == "insufficient_stock" and exc.value.extra["available"] == 4


def test_insufficient_stock_is_409_with_available_and_writes_nothing(
    shop, cafe_point, lunch, clock
):
    listing = factories.make_listing(shop, "샤인머스캣", 2)
    before = StockEvent.objects.count()
    with pytest.raises(Conflict) as exc:
        reserve(shop, listing, cafe_point, lunch, quantity=3)
    assert (exc.value.code, exc.value.status, exc.value.extra["available"]) == (
        "insufficient_stock",
        409,
        2,
    )
    assert available(listing) == 2
    assert StockEvent.objects.count() == before
    assert not Reservation.objects.exists()


def test_full_window_is_refused_with_window_full(shop, listing, cafe_point, lunch, evening, clock):
    for _ in range(3):
        reserve(shop, listing, cafe_point, lunch)
    with pytest.raises(Conflict) as exc:
        reserve(shop, listing, cafe_point, lunch)
    assert exc.value.code == "window_full"
    assert available(listing) == 197
    reserve(shop, listing, cafe_point, evening)  # another window still has room
    # A cancellation frees a place on the shelf.
    reservations.cancel_reservation(
        reservation_id=Reservation.objects.filter(window=lunch).first().pk, by="customer"
    )
    reserve(shop, listing, cafe_point, lunch)


@pytest.mark.parametrize(
    "case, code, error",
    [
        ("past", "window_past", InvalidInput),
        ("outside_hours", "window_outside_hours", InvalidInput),
        ("other_point", "window_not_found", NotFound),
        ("removed", "window_not_found", NotFound),
    ],
)
def test_bad_windows_are_refused(case, code, error, shop, listing, cafe_point, lunch, clock):
    window = lunch
    if case == "past":
        clock.set("14:00")
    elif case == "outside_hours":
        place = cafe_point.place
        place.closes_at = place.closes_at.replace(hour=13)
        place.save()
    elif case == "other_point":
        other = factories.make_cafe(shop, "다른 카페")
        window = factories.make_window(other, "12:00", "14:00")
    elif case == "removed":
        windows.remove_pickup_window(shop=shop, window_id=lunch.pk)
    with pytest.raises(error) as exc:
        reserve(shop, listing, cafe_point, window)
    assert exc.value.code == code
    assert available(listing) == 200 and not Reservation.objects.exists()


def test_no_window_chosen_takes_the_next_one_with_room(
    shop, listing, cafe_point, lunch, evening, clock
):
    lunch.capacity = 1
    lunch.save()
    assert reserve(shop, listing, cafe_point).window == lunch
    assert reserve(shop, listing, cafe_point).window == evening  # lunch's shelf is full
    clock.set("19:30")
    late = reserve(shop, listing, cafe_point)  # today's are over: tomorrow's first
    assert (late.window, late.pickup_starts_at) == (lunch, clock.at("12:00") + timedelta(days=1))
    assert late.date == (clock.at("12:00") + timedelta(days=1)).date()
    assert available(listing) == 197


def test_no_window_with_room_today_or_tomorrow_is_a_409(shop, listing, cafe_point, clock):
    only = factories.make_window(cafe_point, "12:00", "14:00", capacity=1)
    reserve(shop, listing, cafe_point, only)
    clock.set("15:00")
    reserve(shop, listing, cafe_point)  # tomorrow's place on the shelf
    with pytest.raises(Conflict) as exc:
        reserve(shop, listing, cafe_point)
    assert exc.value.code == "no_window_available"
    assert available(listing) == 198


def test_windowless_point_takes_reservations_until_closing(shop, listing, clock):
    point = factories.make_cafe(
        shop, "저녁 카페", opens_at=clock.at("09:00").time(), closes_at=clock.at("20:00").time()
    )
    r = reserve(shop, listing, point)
    assert r.window is None and r.pickup_ends_at == clock.at("20:00")
    clock.set("20:00")
    after_closing = reserve(shop, listing, point)
    assert after_closing.pickup_starts_at == clock.at("09:00") + timedelta(days=1)


def test_paused_and_foreign_points_listings_and_options_are_refused(
    shop, other_shop, listing, cafe_point, lunch, clock
):
    paused = factories.make_cafe(shop, "쉬는 카페", status="paused")
    foreign_point = factories.make_cafe(other_shop, "남의 카페")
    foreign_listing = factories.make_listing(other_shop, "남의 감", 10)
    other_listing = factories.make_listing(shop, "귤", 10, options=[OptionSpec("1봉", 1, 10, 9)])
    cases = [
        ({"pickup_point_id": paused.pk}, "pickup_point_paused"),
        ({"pickup_point_id": foreign_point.pk}, "pickup_point_not_found"),
        ({"listing_id": foreign_listing.pk}, "listing_not_found"),
        ({"option_id": other_listing.options.get().pk}, "option_not_found"),
        ({"listing_id": 10**9}, "listing_not_found"),
    ]
    for override, code in cases:
        kwargs = {
            "shop": shop,
            "listing_id": listing.pk,
            "quantity": 1,
            "pickup_point_id": cafe_point.pk,
            "window_id": lunch.pk,
            "name": "김",
            "phone": "010-1111-2222",
            **override,
        }
        with pytest.raises((NotFound, Conflict)) as exc:
            reservations.reserve(**kwargs)
        assert exc.value.code == code
    assert not Reservation.objects.exists()
    assert available(listing) == 200 and available(foreign_listing) == 10


def test_ended_listing_cannot_be_reserved(shop, listing, cafe_point, lunch, clock):
    end_listing(shop=shop, listing_id=listing.pk)
    with pytest.raises(Conflict) as exc:
        reserve(shop, listing, cafe_point, lunch)
    assert exc.value.code == "listing_ended"


@override_settings(PICKUP_MAX_ACTIVE_PER_PHONE=2)
def test_active_reservations_per_phone_per_shop_are_capped(
    shop, other_shop, listing, cafe_point, evening, clock
):
    phone = "010-2222-3333"
    first = reserve(shop, listing, cafe_point, evening, phone=phone)
    reserve(shop, listing, cafe_point, evening, phone=phone)
    with pytest.raises(RateLimited) as exc:
        reserve(shop, listing, cafe_point, evening, phone="+82 10 2222 3333")
    assert exc.value.code == "too_many_active_reservations"
    # Another shop is not affected; a finished reservation frees a slot.
    other_point = factories.make_cafe(other_shop, "남의 카페")
    reserve(other_shop, factories.make_listing(other_shop, "감", 5), other_point, phone=phone)
    reservations.mark_picked_up(shop=shop, code=first.code)
    reserve(shop, listing, cafe_point, evening, phone=phone)


@override_settings(PICKUP_NO_SHOW_LIMIT=2)
def test_a_phone_with_too_many_no_shows_is_refused(shop, listing, cafe_point, lunch, clock):
    phone = "010-3333-4444"
    for _ in range(2):
        clock.set("10:00")
        reserve(shop, listing, cafe_point, lunch, phone=phone)
        clock.set("15:00")
        reservations.expire_no_shows()
    clock.set("10:00")
    with pytest.raises(PermissionDenied) as exc:
        reserve(shop, listing, cafe_point, lunch, phone=phone)
    assert exc.value.code == "no_show_limit" and "노쇼" in exc.value.detail
    reserve(shop, listing, cafe_point, lunch, phone="010-3333-5555")


@override_settings(PICKUP_NO_SHOW_LIMIT=1)
def test_a_refused_phone_is_told_so_before_the_count_and_before_the_limit(
    shop, listing, cafe_point, lunch, clock
):
    """The phone's limits are counted under the listing's lock, after the stock is taken;
    the answers stay in their order all the same: the phone, the "1인 최대", the count."""
    phone = "010-3333-4444"
    reserve(shop, listing, cafe_point, lunch, phone=phone)
    clock.set("15:00")
    reservations.expire_no_shows()
    clock.set("10:00")
    few = factories.make_listing(shop, "대봉", 2)
    for quantity in (3, 1):
        with pytest.raises(PermissionDenied) as exc:
            reserve(shop, few, cafe_point, lunch, phone=phone, quantity=quantity)
        assert exc.value.code == "no_show_limit"
    limited = factories.make_listing(shop, "홍시", 4, max_per_customer=2)
    with pytest.raises(Conflict) as exc:
        reserve(shop, limited, cafe_point, lunch, quantity=3)
    assert exc.value.code == "limit_per_customer" and exc.value.extra["held"] == 0
    with pytest.raises(Conflict) as exc:
        reserve(shop, limited, cafe_point, lunch, quantity=5)
    assert exc.value.code == "insufficient_stock"
    assert available(few) == 2 and available(limited) == 4
    assert not StockEvent.objects.filter(listing__in=[few, limited], reason="reserved").exists()


def test_a_code_already_taken_at_the_shop_is_drawn_again(
    shop, listing, cafe_point, lunch, clock, monkeypatch
):
    first = reserve(shop, listing, cafe_point, lunch, phone="010-1111-2222")
    drawn = iter([first.code, first.code, "ZZZ234"])
    monkeypatch.setattr(reservations.codes, "new_code", lambda: next(drawn))
    second = reserve(shop, listing, cafe_point, lunch, phone="010-1111-3333")
    assert second.code == "ZZZ234"
    note = StockEvent.objects.filter(listing=listing).order_by("-version").first().note
    assert note == "reservation ZZZ234"


def test_idempotency_key_double_tap_makes_one_reservation(shop, listing, cafe_point, lunch, clock):
    kwargs = {
        "shop": shop,
        "listing_id": listing.pk,
        "quantity": 2,
        "pickup_point_id": cafe_point.pk,
        "window_id": lunch.pk,
        "name": "김",
        "phone": "010-4444-5555",
        "idempotency_key": "tap-1",
    }
    first, replayed_first = reservations.reserve(**kwargs)
    second, replayed_second = reservations.reserve(**kwargs)
    assert (replayed_first, replayed_second) == (False, True)
    assert first == second
    assert Reservation.objects.count() == 1
    assert available(listing) == 198
    with pytest.raises(DomainError) as exc:
        reservations.reserve(**{**kwargs, "quantity": 3})
    assert exc.value.code == "idempotency_key_reused"


def test_customer_cancel_returns_exactly_what_was_taken_and_announces(
    shop, listing, cafe_point, lunch, clock, sent, django_capture_on_commit_callbacks
):
    r = reserve(shop, listing, cafe_point, lunch, quantity=4)
    sent.clear()
    with django_capture_on_commit_callbacks(execute=True):
        reservations.cancel_reservation(reservation_id=r.pk, by="customer", reason="일정 변경")
    r.refresh_from_db()
    assert (r.status, r.units_returned, r.cancelled_by, r.cancel_reason) == (
        "cancelled",
        4,
        "customer",
        "일정 변경",
    )
    assert available(listing) == 200
    event = StockEvent.objects.filter(listing=listing).order_by("-version").first()
    assert (event.delta, event.reason) == (4, "reservation_cancelled")
    assert [m["public"]["status"] for m in sent] == ["cancelled"]
    with pytest.raises(Conflict) as exc:
        reservations.cancel_reservation(reservation_id=r.pk, by="customer")
    assert exc.value.code == "already_cancelled"
    assert available(listing) == 200


def test_shop_cancel_needs_a_reason_and_is_scoped_to_the_shop(
    shop, other_shop, listing, cafe_point, lunch, clock
):
    r = reserve(shop, listing, cafe_point, lunch)
    with pytest.raises(InvalidInput) as exc:
        reservations.cancel_reservation(reservation_id=r.pk, shop=shop, by="shop", reason=" ")
    assert exc.value.code == "reason_required"
    with pytest.raises(NotFound):
        reservations.cancel_reservation(
            reservation_id=r.pk, shop=other_shop, by="shop", reason="품절"
        )
    reservations.cancel_reservation(reservation_id=r.pk, shop=shop, by="shop", reason="상품 파손")
    r.refresh_from_db()
    assert (r.status, r.cancelled_by, r.cancel_reason) == ("cancelled", "shop", "상품 파손")


def test_cancel_after_the_listing_ended_returns_nothing(shop, listing, cafe_point, lunch, clock):
    r = reserve(shop, listing, cafe_point, lunch, quantity=5)
    end_listing(shop=shop, listing_id=listing.pk)
    reservations.cancel_reservation(reservation_id=r.pk, by="customer")
    r.refresh_from_db()
    assert (r.status, r.units_returned) == ("cancelled", 0)
    assert available(listing) == 195


def test_ready_then_picked_up_by_code(
    shop, listing, cafe_point, lunch, clock, sent, django_capture_on_commit_callbacks
):
    r = reserve(shop, listing, cafe_point, lunch)
    sent.clear()
    with django_capture_on_commit_callbacks(execute=True):
        reservations.mark_ready(shop=shop, reservation_id=r.pk)
        reservations.mark_ready(shop=shop, reservation_id=r.pk)  # a second tap changes nothing
        picked = reservations.mark_picked_up(shop=shop, code=f" {r.code[:3].lower()}-{r.code[3:]} ")
    assert picked.pk == r.pk
    r.refresh_from_db()
    assert r.status == "picked_up" and r.ready_at and r.ended_at
    assert [m["public"]["status"] for m in sent] == ["ready", "picked_up"]
    assert available(listing) == 199  # a pickup keeps the stock taken
    with pytest.raises(Conflict) as exc:
        reservations.mark_picked_up(shop=shop, code=r.code)
    assert exc.value.code == "already_picked_up"
    with pytest.raises(Conflict):
        reservations.mark_ready(shop=shop, reservation_id=r.pk)


@override_settings(PICKUP_CODE_ATTEMPTS=3)
def test_wrong_codes_are_404_and_then_rate_limited(
    shop, other_shop, listing, cafe_point, lunch, clock
):
    r = reserve(shop, listing, cafe_point, lunch)
    with pytest.raises(NotFound):
        reservations.mark_picked_up(shop=other_shop, code=r.code)  # another shop's code
    for typed in ["ZZZZZZ", "not a code"]:
        with pytest.raises(NotFound) as exc:
            reservations.mark_picked_up(shop=shop, code=typed)
        assert exc.value.code == "code_not_found"
    with pytest.raises(NotFound):
        reservations.mark_picked_up(shop=shop, code="YYYYYY")
    with pytest.raises(RateLimited) as exc:
        reservations.mark_picked_up(shop=shop, code=r.code)
    assert exc.value.code == "too_many_code_attempts"
    r.refresh_from_db()
    assert r.status == "confirmed"
    clock.now += timedelta(minutes=11)
    reservations.mark_picked_up(shop=shop, code=r.code)


def test_manual_no_show_only_after_the_window_and_returns_stock(
    shop, listing, cafe_point, lunch, clock
):
    r = reserve(shop, listing, cafe_point, lunch, quantity=2)
    with pytest.raises(Conflict) as exc:
        reservations.mark_no_show(shop=shop, reservation_id=r.pk)
    assert exc.value.code == "window_not_over"
    clock.set("14:05")
    reservations.mark_no_show(shop=shop, reservation_id=r.pk)
    r.refresh_from_db()
    assert (r.status, r.units_returned) == ("no_show", 2)
    assert available(listing) == 200
    event = StockEvent.objects.filter(listing=listing).order_by("-version").first()
    assert (event.delta, event.reason) == (2, "no_show")


@override_settings(PICKUP_NO_SHOW_GRACE_MINUTES=30)
def test_expiry_turns_late_reservations_into_no_shows_after_the_grace_period(
    shop, listing, cafe_point, lunch, evening, clock
):
    late = reserve(shop, listing, cafe_point, lunch, quantity=3)
    collected = reserve(shop, listing, cafe_point, lunch, quantity=1)
    tonight = reserve(shop, listing, cafe_point, evening, quantity=2)
    ready = reserve(shop, listing, cafe_point, lunch, quantity=1)
    reservations.mark_ready(shop=shop, reservation_id=ready.pk)
    reservations.mark_picked_up(shop=shop, code=collected.code)
    assert available(listing) == 193
    clock.set("14:29")
    assert reservations.expire_no_shows() == 0
    clock.set("14:30")
    assert reservations.expire_no_shows() == 2
    statuses = dict(Reservation.objects.values_list("pk", "status"))
    assert statuses == {
        late.pk: "no_show",
        collected.pk: "picked_up",
        tonight.pk: "confirmed",
        ready.pk: "no_show",
    }
    assert available(listing) == 197  # 3 + 1 back; the collected one and tonight's stay taken
    assert reservations.expire_no_shows() == 0  # nothing is returned twice
    assert available(listing) == 197


def test_expiry_does_not_return_stock_of_an_ended_listing(shop, listing, cafe_point, lunch, clock):
    r = reserve(shop, listing, cafe_point, lunch, quantity=3)
    end_listing(shop=shop, listing_id=listing.pk)
    clock.set("23:00")
    assert reservations.expire_no_shows() == 1
    r.refresh_from_db()
    assert (r.status, r.units_returned) == ("no_show", 0)


@override_settings(PICKUP_PHONE_RETENTION_DAYS=30)
def test_phones_are_erased_after_retention_or_at_once_without_consent(
    shop, listing, cafe_point, lunch, clock
):
    kept = reserve(shop, listing, cafe_point, lunch, consent=True)
    no_consent = reserve(shop, listing, cafe_point, lunch, consent=False)
    still_open = reserve(shop, listing, cafe_point, lunch, consent=False)
    reservations.mark_picked_up(shop=shop, code=kept.code)
    reservations.cancel_reservation(reservation_id=no_consent.pk, by="customer")
    assert reservations.purge_expired_phones() == 1
    kept.refresh_from_db()
    no_consent.refresh_from_db()
    still_open.refresh_from_db()  # noqa: E702
    assert kept.phone.startswith("+8210") and still_open.phone.startswith("+8210")
    assert no_consent.phone == "" and no_consent.phone_erased_at is not None
    clock.now += timedelta(days=30, minutes=1)
    assert reservations.purge_expired_phones() == 1
    kept.refresh_from_db()
    assert kept.phone == "" and kept.phone_erased_at is not None


def test_cafe_staff_hand_over_orders_of_every_partner_shop_at_their_counter(
    shop, other_shop, listing, clock
):
    # A café between the two shops, inside both service areas.
    shared_place = factories.make_cafe(shop, "두 가게 카페", lat=37.563, lng=126.941).place
    other_point = factories.make_cafe(other_shop, place=shared_place)
    other_listing = factories.make_listing(other_shop, "소금빵", 10)
    mine = reserve(other_shop, other_listing, other_point)
    elsewhere = reserve(shop, listing, factories.make_cafe(shop, "먼 카페"))
    reservations.hand_over_at_place(place=shared_place, code=mine.code)
    mine.refresh_from_db()
    assert mine.status == "picked_up"
    with pytest.raises(NotFound):
        reservations.hand_over_at_place(place=shared_place, code=elsewhere.code)


def test_windows_must_lie_within_the_place_hours(shop, cafe_point):
    from datetime import time

    with pytest.raises(InvalidInput) as exc:
        windows.add_pickup_window(
            shop=shop, pickup_point_id=cafe_point.pk, starts_at=time(7), ends_at=time(9)
        )
    assert exc.value.code == "window_outside_hours"
    with pytest.raises(InvalidInput):
        windows.add_pickup_window(
            shop=shop, pickup_point_id=cafe_point.pk, starts_at=time(12), ends_at=time(11)
        )
    window = windows.add_pickup_window(
        shop=shop, pickup_point_id=cafe_point.pk, starts_at=time(12), ends_at=time(13), capacity=5
    )
    assert PickupWindow.objects.get(pk=window.pk).capacity == 5
    with pytest.raises(Conflict):
        windows.add_pickup_window(
            shop=shop, pickup_point_id=cafe_point.pk, starts_at=time(12), ends_at=time(13)
        )


def test_periodic_tasks_run_the_services(shop, listing, cafe_point, lunch, clock):
    from pickup import tasks

    reserve(shop, listing, cafe_point, lunch, quantity=2)
    clock.set("15:00")
    tasks.expire_no_shows()  # immediate mode in tests: runs in-process
    r = Reservation.objects.get()
    assert r.status == "no_show" and available(listing) == 200
    tasks.purge_expired_phones()  # no consent: erased once ended
    r.refresh_from_db()
    assert r.phone == ""


def test_tasks_are_scheduled_every_minute_and_daily():
    from datetime import datetime

    from huey.contrib.djhuey import HUEY

    import pickup.tasks  # noqa: F401  (registers the periodic tasks)

    minutes = [datetime(2026, 11, 20, h, m) for h in range(24) for m in range(60)]
    due = [{task.name for task in HUEY.read_periodic(t)} for t in minutes]
    assert all("expire_no_shows" in names for names in due)
    assert sum("purge_expired_phones" in names for names in due) == 1


def test_broadcast_reaches_the_three_groups_with_their_versions(
    shop, listing, cafe_point, lunch, clock, monkeypatch, django_capture_on_commit_callbacks
):
    reservation = reserve(shop, listing, cafe_point, lunch)
    calls = []

    class Layer:
        async def group_send(self, group, event):
            message = event["message"]
            calls.append((group, message["version"], message["reservation"]["status"]))

    monkeypatch.setattr(publish, "get_channel_layer", lambda: Layer())
    with django_capture_on_commit_callbacks(execute=True):
        reservations.mark_ready(shop=shop, reservation_id=reservation.pk)
    place = cafe_point.place_id
    assert calls == [
        (f"reservation.{reservation.pk}", 2, "ready"),
        (f"owner.reservations.{shop.pk}", 2, "ready"),
        (f"place.reservations.{place}", 2, "ready"),
    ]


def test_a_failed_broadcast_never_breaks_the_committed_change(
    shop, listing, cafe_point, lunch, clock, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    reservation = reserve(shop, listing, cafe_point, lunch)

    class BrokenLayer:
        async def group_send(self, group, event):
            raise ConnectionError("redis went away")

    monkeypatch.setattr(publish, "get_channel_layer", lambda: BrokenLayer())
    with django_capture_on_commit_callbacks(execute=True):
        reservations.mark_ready(shop=shop, reservation_id=reservation.pk)
    reservation.refresh_from_db()
    assert reservation.status == "ready"
    assert "not sent" in caplog.text and f"reservation.{reservation.pk}" in caplog.text
