"""One lock order (pickup/services/__init__.py), proven on PostgreSQL row locks.

* Every locking query names ``OF`` its own table only: a ``select_related`` join that also
  locks the shop takes it before the listing and deadlocks against any stock change.
* Cancelling while the owner changes the same listing's count, many times over: no deadlock.
* A randomized mix of every write on one shop from several threads: no deadlock, no
  unexpected error, and the stock log still adds up. The seed is printed (and can be set
  with LOCK_RACE_SEED) so a failing mix can be replayed.

SQLite serialises writers and drops ``FOR UPDATE``, so these need PostgreSQL: the SQLite pass
defers to the PostgreSQL one (`make test-services`, which CI runs too).
"""

from __future__ import annotations

import os
import random
import re
import threading
from collections import Counter
from datetime import time, timedelta

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from livestock import services as stock
from livestock.models import Listing, StockEvent
from pickup.models import PickupWindow, Reservation
from pickup.services import points as point_services
from pickup.services import reservations as reservation_services
from pickup.services import windows as window_services
from shops import services as shop_services
from shops.errors import DomainError
from tests import factories
from tests.support.services import postgres_server_url

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

LOCKING = re.compile(r"\bFOR (?:NO KEY )?UPDATE\b(?P<of> OF [^;]*)?$")
OF_TABLES = re.compile(r'"([a-z_]+)"')


def needs_postgresql() -> None:
    if connection.vendor != "postgresql":
        postgres_server_url()
        pytest.skip("runs in the PostgreSQL pass: DATABASE_URL=postgres://… (make test-services)")


# A count change that has not read the listing under its lock takes the lock with its
# conditional UPDATE (livestock/services.py): the same row lock at the same point.
TAKES_LISTING_LOCK = re.compile(r'^UPDATE "livestock_listing" ')


def locked_tables(queries: list[dict]) -> list[tuple[str, ...]]:
    """For each statement that takes row locks, the tables it locks, in order; fail on a
    ``FOR UPDATE`` without ``OF``."""
    found = []
    for query in queries:
        if TAKES_LISTING_LOCK.match(query["sql"]):
            if ("livestock_listing",) not in found:
                found.append(("livestock_listing",))
            continue
        match = LOCKING.search(query["sql"])
        if match is None:
            continue
        assert match["of"], f"a row lock without OF locks every joined row: {query['sql']}"
        found.append(tuple(OF_TABLES.findall(match["of"])))
    return found


@pytest.fixture
def scene(db):
    shop = factories.make_shop()
    point = factories.make_cafe(shop, "골목 카페", opens_at=time(0), closes_at=None)
    return shop, point


def test_every_row_lock_names_only_its_own_table(scene):
    needs_postgresql()
    shop, point = scene
    listing = factories.make_listing(shop, "단감", 50)
    window = factories.make_window(point, "00:00", "23:59")
    late = timezone.now() + timedelta(days=3)

    def locks(work, *args, **kwargs) -> list[tuple[str, ...]]:
        with CaptureQueriesContext(connection) as ctx:
            work(*args, **kwargs)
        return locked_tables(ctx.captured_queries)

    reservation, other, third, fourth = (
        factories.make_reservation(shop, listing, point, window=window) for _ in range(4)
    )
    assert locks(factories.make_reservation, shop, listing, point) == [
        ("pickup_pickupwindow",),
        ("livestock_listing",),
    ]
    assert locks(factories.make_reservation, shop, listing, point, window=window) == [
        ("pickup_pickupwindow",),
        ("livestock_listing",),
    ]
    assert locks(
        reservation_services.cancel_reservation, reservation_id=reservation.pk, by="customer"
    ) == [("pickup_reservation",), ("livestock_listing",)]
    assert locks(reservation_services.mark_ready, shop=shop, reservation_id=other.pk) == [
        ("pickup_reservation",)
    ]
    assert locks(reservation_services.hand_over_at_place, place=point.place, code=other.code) == [
        ("pickup_reservation",)
    ]
    assert locks(reservation_services.mark_picked_up, shop=shop, code=third.code) == [
        ("pickup_reservation",)
    ]
    assert locks(reservation_services.mark_no_show, reservation_id=fourth.pk, now=late) == [
        ("pickup_reservation",),
        ("livestock_listing",),
    ]
    assert locks(stock.adjust_stock, shop=shop, listing_id=listing.pk, delta=5) == [
        ("livestock_listing",)
    ]
    assert locks(
        stock.edit_listing, shop=shop, listing_id=listing.pk, changes={"name": "큰 단감"}
    ) == [("livestock_listing",)]
    assert locks(
        point_services.pause_pickup_point, shop=shop, point_id=point.pk, reason="휴무"
    ) == [("pickup_pickuppoint",)]
    assert locks(point_services.resume_pickup_point, shop=shop, point_id=point.pk) == [
        ("pickup_pickuppoint",)
    ]
    assert locks(shop_services.set_service_area, shop, radius_m=300) == [
        ("shops_shop",),
        ("pickup_pickuppoint",),
    ]
    assert locks(stock.end_listing, shop=shop, listing_id=listing.pk) == [("livestock_listing",)]


def race(threads: int, work) -> Counter:
    """Run ``work(i)`` on ``threads`` threads from one barrier; count outcomes by kind."""
    barrier = threading.Barrier(threads)
    outcomes: Counter = Counter()
    guard = threading.Lock()

    def run(i: int) -> None:
        try:
            barrier.wait()
            work(i, outcomes, guard)
        except Exception as exc:  # noqa: BLE001 - a broken racer fails the test too
            with guard:
                outcomes[f"unexpected:racer:{type(exc).__name__}:{exc}"] += 1
        finally:
            connections.close_all()

    pool = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(timeout=240)
    assert not any(thread.is_alive() for thread in pool), "a racer hung"
    return outcomes


def attempt(
    outcomes: Counter, guard: threading.Lock, name: str, call, /, *args, **kwargs
) -> object | None:
    try:
        result = call(*args, **kwargs)
    except DomainError as exc:
        with guard:
            outcomes[f"{name}:{exc.code}"] += 1
        return None
    except Exception as exc:  # noqa: BLE001 - every other error fails the test below
        with guard:
            outcomes[f"unexpected:{name}:{type(exc).__name__}:{str(exc).splitlines()[0]}"] += 1
        return None
    with guard:
        outcomes[f"{name}:ok"] += 1
    return result


def unexpected(outcomes: Counter) -> dict:
    return {k: v for k, v in outcomes.items() if k.startswith("unexpected:")}


def test_cancelling_while_the_count_changes_never_deadlocks(scene):
    """The review's reproduction: cancel races adjust_stock on one listing, 30 times."""
    needs_postgresql()
    shop, point = scene
    listing = factories.make_listing(shop, "단감", 200)
    rounds = 30
    held = [factories.make_reservation(shop, listing, point) for _ in range(rounds)]

    for reservation in held:

        def work(i, outcomes, guard, reservation=reservation):
            if i == 0:
                attempt(
                    outcomes,
                    guard,
                    "cancel",
                    reservation_services.cancel_reservation,
                    reservation_id=reservation.pk,
                    by="customer",
                )
            else:
                attempt(
                    outcomes,
                    guard,
                    "adjust",
                    stock.adjust_stock,
                    shop=shop,
                    listing_id=listing.pk,
                    delta=1,
                )

        outcomes = race(2, work)
        assert unexpected(outcomes) == {}
    assert Listing.objects.get(pk=listing.pk).available == 200 + rounds
    assert_stock_log_adds_up(shop)


def assert_stock_log_adds_up(shop) -> None:
    """Versions 1..n without gaps; each listing's events replay to every available_after."""
    events = list(StockEvent.objects.filter(shop_id=shop.pk).order_by("version"))
    assert [e.version for e in events] == list(range(1, len(events) + 1))
    running: Counter = Counter()
    for event in events:
        running[event.listing_id] += event.delta
        assert event.available_after == running[event.listing_id], event
    for listing in Listing.objects.filter(shop=shop):
        assert listing.available == running[listing.pk]


def test_a_random_mix_of_every_write_on_one_shop(scene):
    needs_postgresql()
    seed = int(os.environ.get("LOCK_RACE_SEED", "20261202"))
    print(f"LOCK_RACE_SEED={seed}")
    shop, point = scene
    counter = factories.shop_counter(shop)
    listings = [factories.make_listing(shop, name, 60) for name in ("단감", "귤", "사과")]
    windows = [
        factories.make_window(point, "00:00", "23:59"),
        factories.make_window(point, "00:00", "23:58", capacity=40),
        factories.make_window(counter, "00:00", "23:59"),
    ]
    points = [point, counter]
    late = timezone.now() + timedelta(days=3)
    made: list[tuple[int, str]] = []  # (reservation id, code), shared by the threads
    phones = iter(range(1_000_000))
    threads, per_thread = 8, 50

    def work(i: int, outcomes: Counter, guard: threading.Lock) -> None:
        rng = random.Random(seed * 100 + i)
        for _step in range(per_thread):
            op = rng.choice(OPS)
            with guard:
                picked = rng.choice(made) if made else None
                phone = next(phones)
            listing = rng.choice(listings)
            if op == "reserve":
                where = rng.choice(points)
                mine = [w for w in windows if w.pickup_point_id == where.pk]
                window = rng.choice([None, *mine])
                result = attempt(
                    outcomes,
                    guard,
                    op,
                    reservation_services.reserve,
                    shop=shop,
                    listing_id=listing.pk,
                    quantity=rng.randint(1, 3),
                    pickup_point_id=where.pk,
                    window_id=window.pk if window else None,
                    name=f"손님{phone}",
                    phone=f"010-6{phone // 10000:03d}-{phone % 10000:04d}",
                )
                if result is not None:
                    reservation = result[0]
                    with guard:
                        made.append((reservation.pk, reservation.code))
            elif op == "cancel" and picked:
                by = rng.choice(["customer", "shop"])
                attempt(
                    outcomes,
                    guard,
                    op,
                    reservation_services.cancel_reservation,
                    reservation_id=picked[0],
                    by=by,
                    shop=shop if by == "shop" else None,
                    reason="품절" if by == "shop" else "",
                )
            elif op == "ready" and picked:
                attempt(
                    outcomes,
                    guard,
                    op,
                    reservation_services.mark_ready,
                    shop=shop,
                    reservation_id=picked[0],
                )
            elif op == "pick_up" and picked:
                attempt(
                    outcomes,
                    guard,
                    op,
                    reservation_services.mark_picked_up,
                    shop=shop,
                    code=picked[1],
                )
            elif op == "no_show" and picked:
                attempt(
                    outcomes,
                    guard,
                    op,
                    reservation_services.mark_no_show,
                    reservation_id=picked[0],
                    now=late,
                )
            elif op == "stock_set":
                attempt(
                    outcomes,
                    guard,
                    op,
                    stock.adjust_stock,
                    shop=shop,
                    listing_id=listing.pk,
                    set_to=rng.randint(0, 60),
                )
            elif op == "stock_delta":
                attempt(
                    outcomes,
                    guard,
                    op,
                    stock.adjust_stock,
                    shop=shop,
                    listing_id=listing.pk,
                    delta=rng.choice([-3, -1, 2, 5]),
                )
            elif op == "end_listing":
                if rng.random() < 0.1:  # rarely: an ended listing takes no more changes
                    attempt(
                        outcomes, guard, op, stock.end_listing, shop=shop, listing_id=listing.pk
                    )
            elif op == "window_add":
                start = time(rng.randint(0, 5), rng.choice([0, 30]))
                attempt(
                    outcomes,
                    guard,
                    op,
                    window_services.add_pickup_window,
                    shop=shop,
                    pickup_point_id=point.pk,
                    starts_at=start,
                    ends_at=time(23, 0),
                )
            elif op == "window_remove":
                window = rng.choice(windows[:2])
                attempt(
                    outcomes,
                    guard,
                    op,
                    window_services.remove_pickup_window,
                    shop=shop,
                    window_id=window.pk,
                )
                PickupWindow.objects.filter(pk=window.pk).update(is_active=True)
            elif op == "point_pause":
                attempt(
                    outcomes,
                    guard,
                    op,
                    point_services.pause_pickup_point,
                    shop=shop,
                    point_id=point.pk,
                    reason="잠시 휴업",
                )
                attempt(
                    outcomes,
                    guard,
                    "point_resume",
                    point_services.resume_pickup_point,
                    shop=shop,
                    point_id=point.pk,
                )
            elif op == "expire" and rng.random() < 0.1:
                attempt(
                    outcomes,
                    guard,
                    op,
                    reservation_services.expire_no_shows,
                    now=late - timedelta(days=2),
                )

    outcomes = race(threads, work)
    print(sorted(outcomes.items()))
    assert unexpected(outcomes) == {}, f"LOCK_RACE_SEED={seed}"
    assert sum(outcomes.values()) >= threads * per_thread // 2
    assert outcomes["reserve:ok"] > 0 and outcomes["cancel:ok"] > 0
    assert_stock_log_adds_up(shop)
    for listing in Listing.objects.filter(shop=shop):
        assert_listing_balances(listing)


def assert_listing_balances(listing: Listing) -> None:
    """count = arrival and owner changes − units held or picked up + units returned."""
    events = StockEvent.objects.filter(listing=listing)
    owner_changes = sum(
        e.delta
        for e in events
        if e.reason
        not in (
            StockEvent.Reason.RESERVED,
            StockEvent.Reason.RESERVATION_CANCELLED,
            StockEvent.Reason.NO_SHOW,
        )
    )
    reservations = Reservation.objects.filter(listing=listing)
    taken = sum(r.units for r in reservations)
    returned = sum(r.units_returned for r in reservations)
    assert listing.available == owner_changes - taken + returned
    for reservation in reservations:
        if reservation.status in (Reservation.Status.CANCELLED, Reservation.Status.NO_SHOW):
            assert reservation.units_returned in (0, reservation.units)
            assert reservation.ended_at is not None
        else:
            assert reservation.units_returned == 0


OPS = (
    ["reserve"] * 6
    + ["cancel"] * 2
    + ["ready", "pick_up", "no_show"] * 1
    + [
        "stock_set",
        "stock_delta",
        "stock_delta",
        "end_listing",
        "window_add",
        "window_remove",
        "point_pause",
        "expire",
    ]
)


def test_one_device_racing_itself_gets_exactly_its_limit(scene):
    """Ten taps at once from one device, each with a new phone: the holdings are counted
    under the listing's row lock, so exactly "1인 최대 5팩" go through (SQLite and PostgreSQL)."""
    from pickup.clients import Client

    shop, point = scene
    listing = factories.make_listing(shop, "단감", 200, max_per_customer=5)
    device = Client(device="d" * 64, network="n" * 64)

    def work(i, outcomes, guard):
        attempt(
            outcomes,
            guard,
            "reserve",
            reservation_services.reserve,
            shop=shop,
            listing_id=listing.pk,
            quantity=1,
            pickup_point_id=point.pk,
            name="봇",
            phone=f"010-8000-{i:04d}",
            client=device,
        )

    outcomes = race(10, work)
    assert outcomes == Counter({"reserve:ok": 5, "reserve:limit_per_customer": 5})
    assert Listing.objects.get(pk=listing.pk).available == 195
    assert_stock_log_adds_up(shop)
