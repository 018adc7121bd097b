"""Many customers racing for the last units, on real concurrent database connections.

These run on the default SQLite file (WAL, IMMEDIATE transactions) in the plain suite and on
PostgreSQL when DATABASE_URL points there (`make test-services`, CI). Marked ``postgres`` so
`-m postgres` picks them for a PostgreSQL run; the last test needs PostgreSQL itself.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from datetime import datetime, time

import pytest
from django.db import connection, connections
from django.utils import timezone

from livestock.models import Listing, StockEvent
from pickup.models import Reservation
from pickup.services import reservations as reservation_services
from shops.errors import DomainError
from tests import factories
from tests.support.services import postgres_server_url

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def race(n: int, work: Callable[[int], object]) -> tuple[list[object], Counter]:
    """Start ``n`` threads at one barrier; return the successes and the error codes."""
    barrier = threading.Barrier(n)
    results: list[object] = []
    errors: Counter = Counter()
    lock = threading.Lock()

    def run(i: int) -> None:
        try:
            barrier.wait()
            result = work(i)
            with lock:
                results.append(result)
        except DomainError as exc:
            with lock:
                errors[exc.code] += 1
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            with lock:
                errors[f"unexpected:{type(exc).__name__}:{exc}"] += 1
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=90)
    assert not any(t.is_alive() for t in threads), "a racer hung"
    return results, errors


@pytest.fixture
def scene(db):
    shop = factories.make_shop()
    point = factories.make_cafe(shop, "골목 카페", opens_at=time(0), closes_at=None)
    return shop, point


def reserve_one(shop, listing, point, i: int, quantity: int = 1, window=None):
    return reservation_services.reserve(
        shop=shop,
        listing_id=listing.pk,
        quantity=quantity,
        pickup_point_id=point.pk,
        window_id=window.pk if window else None,
        name=f"손님{i}",
        phone=f"010-7{i // 1000:03d}-{i % 1000:04d}",
    )[0]


def assert_log_matches(listing: Listing) -> None:
    """The count equals arrival plus every logged change, and versions have no gaps."""
    events = list(StockEvent.objects.filter(shop_id=listing.shop_id).order_by("version"))
    assert [e.version for e in events] == list(range(1, len(events) + 1))
    mine = [e for e in events if e.listing_id == listing.pk]
    assert sum(e.delta for e in mine) == Listing.objects.get(pk=listing.pk).available
    assert all(e.available_after >= 0 for e in mine)


def test_exactly_the_last_units_are_sold_and_never_below_zero(scene):
    shop, point = scene
    listing = factories.make_listing(shop, "마지막 단감", 10)
    results, errors = race(40, lambda i: reserve_one(shop, listing, point, i))
    assert len(results) == 10
    assert errors == Counter({"insufficient_stock": 30})
    assert Listing.objects.get(pk=listing.pk).available == 0
    assert Reservation.objects.filter(listing=listing).count() == 10
    assert len({r.code for r in results}) == 10
    assert_log_matches(listing)


def test_mixed_quantities_never_oversell(scene):
    shop, point = scene
    listing = factories.make_listing(shop, "귤", 25)
    results, errors = race(30, lambda i: reserve_one(shop, listing, point, i, 1 + i % 3))
    taken = sum(r.units for r in results)
    left = Listing.objects.get(pk=listing.pk).available
    assert taken + left == 25 and left >= 0
    assert set(errors) <= {"insufficient_stock"}
    assert left < 3  # refused only because what was asked no longer fit
    assert_log_matches(listing)


def test_window_capacity_holds_under_a_race(scene):
    shop, point = scene
    window = factories.make_window(point, "00:00", "23:59", capacity=5)
    listing = factories.make_listing(shop, "소금빵", 100)
    results, errors = race(20, lambda i: reserve_one(shop, listing, point, i, window=window))
    assert len(results) == 5
    assert errors == Counter({"window_full": 15})
    assert Listing.objects.get(pk=listing.pk).available == 95
    assert_log_matches(listing)


def test_chosen_windows_fill_exactly_to_capacity_under_a_race(scene):
    """With no window named, racers are placed in the first window with room, counted
    under its lock: none overfills, and nobody is turned away while one has room."""
    shop, point = scene
    windows = [
        factories.make_window(point, "12:00", "14:00", capacity=3),
        factories.make_window(point, "17:00", "19:00", capacity=3),
    ]
    listing = factories.make_listing(shop, "소금빵", 100)
    morning = timezone.make_aware(datetime.combine(timezone.localdate(), time(9)))

    def reserve_any_window(i: int) -> Reservation:
        return reservation_services.reserve(
            shop=shop,
            listing_id=listing.pk,
            quantity=1,
            pickup_point_id=point.pk,
            name=f"손님{i}",
            phone=f"010-7{i // 1000:03d}-{i % 1000:04d}",
            now=morning,
        )[0]

    results, errors = race(16, reserve_any_window)
    assert len(results) == 12  # both windows, today and tomorrow
    assert errors == Counter({"no_window_available": 4})
    taken = Counter(Reservation.objects.values_list("window_id", "date"))
    assert sorted(taken.values()) == [3, 3, 3, 3]
    assert {window_id for window_id, _day in taken} == {w.pk for w in windows}
    assert Listing.objects.get(pk=listing.pk).available == 88
    assert_log_matches(listing)


def test_cancel_and_no_show_return_exactly_what_was_taken_once(scene):
    shop, point = scene
    listing = factories.make_listing(shop, "한우", 12)
    taken = [factories.make_reservation(shop, listing, point, quantity=3) for _ in range(4)]
    assert Listing.objects.get(pk=listing.pk).available == 0

    # Ten taps on "cancel" for one reservation, from two screens at once.
    results, errors = race(
        10,
        lambda i: reservation_services.cancel_reservation(
            reservation_id=taken[0].pk, by="customer"
        ),
    )
    assert len(results) == 1 and errors == Counter({"already_cancelled": 9})
    assert Listing.objects.get(pk=listing.pk).available == 3

    # The owner hands one over while the expiry job runs and the customer cancels.
    target = taken[1]
    late = timezone_after(target)
    jobs = [
        lambda: reservation_services.mark_picked_up(shop=shop, code=target.code, now=late),
        lambda: reservation_services.mark_no_show(reservation_id=target.pk, now=late),
        lambda: reservation_services.cancel_reservation(
            reservation_id=target.pk, by="customer", now=late
        ),
    ]
    results, errors = race(3, lambda i: jobs[i]())
    assert len(results) == 1 and sum(errors.values()) == 2
    target.refresh_from_db()
    expected = 3 + (0 if target.status == "picked_up" else 3)
    assert target.units_returned == (0 if target.status == "picked_up" else 3)
    assert Listing.objects.get(pk=listing.pk).available == expected

    # Expiry running twice at once returns the rest exactly once.
    before = Listing.objects.get(pk=listing.pk).available
    results, errors = race(2, lambda i: reservation_services.expire_no_shows(now=late))
    assert sorted(results) in ([0, 2], [1, 1])
    assert Listing.objects.get(pk=listing.pk).available == before + 6
    assert set(
        Reservation.objects.filter(pk__in=[taken[2].pk, taken[3].pk]).values_list(
            "status", flat=True
        )
    ) == {"no_show"}
    assert_log_matches(listing)


def timezone_after(reservation: Reservation):
    from datetime import timedelta

    return reservation.pickup_ends_at + timedelta(hours=2)


def test_the_race_on_postgresql(scene):
    """The same race on PostgreSQL row locks (SQLite serialises writers anyway).

    Without a PostgreSQL server this skips locally and fails in CI; with one, on the SQLite
    pass it defers to the PostgreSQL pass (`make test-services`, which CI runs too)."""
    if connection.vendor != "postgresql":
        postgres_server_url()
        pytest.skip("runs in the PostgreSQL pass: DATABASE_URL=postgres://… (make test-services)")
    shop, point = scene
    window = factories.make_window(point, "00:00", "23:59", capacity=40)
    listing = factories.make_listing(shop, "마지막 단감", 30)
    results, errors = race(60, lambda i: reserve_one(shop, listing, point, i, window=window))
    assert len(results) == 30
    assert errors == Counter({"insufficient_stock": 30})
    assert Listing.objects.get(pk=listing.pk).available == 0
    assert_log_matches(listing)


def test_an_option_edit_racing_reservations_of_it_leaves_no_mismatch(scene):
    """The owner resizes and then removes 1팩 while customers reserve it: each reservation
    either committed first (and then holds the option, refusing the edit) or comes after and is
    refused; no reservation points at an option that is gone or of another size."""
    from livestock import services as stock_services
    from livestock.services import OptionSpec

    shop, point = scene
    listing = factories.make_listing(
        shop,
        "단감",
        60,
        unit="반팩",
        options=[OptionSpec("1팩", 2, 9000, 7900), OptionSpec("반팩", 1, 5000, 4200)],
    )
    pack, half = listing.options.all()
    edits = [
        [
            OptionSpec("1팩", 3, 9000, 7900, id=pack.pk),
            OptionSpec("반팩", 1, 5000, 4200, id=half.pk),
        ],
        [OptionSpec("반팩", 1, 5000, 4200, id=half.pk)],
    ]

    def work(i: int):
        if i < len(edits):
            return stock_services.edit_listing(
                shop=shop, listing_id=listing.pk, changes={}, options=edits[i]
            )
        return reservation_services.reserve(
            shop=shop,
            listing_id=listing.pk,
            option_id=pack.pk,
            quantity=1,
            pickup_point_id=point.pk,
            name=f"손님{i}",
            phone=f"010-8{i // 1000:03d}-{i % 1000:04d}",
        )[0]

    _results, errors = race(12, work)
    assert set(errors) <= {"option_in_use", "option_changed", "option_not_found"}, errors
    held = list(Reservation.objects.filter(listing=listing))
    option = listing.options.filter(pk=pack.pk).first()
    for reservation in held:
        assert reservation.option_id == pack.pk and option is not None
        assert reservation.units == option.units * reservation.quantity
    taken = sum(r.units for r in held)
    assert Listing.objects.get(pk=listing.pk).available == 60 - taken
    assert_log_matches(listing)
