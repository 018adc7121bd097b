"""A month of one shop's history, built through the real services, with the figures each
day should show counted by hand as the history is made (never read back from the database).
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from livestock import services as stock
from pickup.services import reservations
from shops import services as shop_services
from shops.models import Shop
from tests import factories
from tests.conftest import TODAY_10AM

CHANNELS = ("kakao", "naver", "copy", "qr", "share", "other")
HISTORY_DAYS = 28
QUIET_WEEKDAY = 2  # Wednesdays: the shop is shut, nothing at all happens


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


def at(day: date, hh_mm: str) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.fromisoformat(hh_mm)))


@dataclass
class Expected:
    reservations: int = 0
    returning_reservations: int = 0
    picked_up: int = 0
    no_shows: int = 0
    cancelled: int = 0
    cancelled_by_customer: int = 0
    cancelled_by_shop: int = 0
    units_reserved: int = 0
    units_picked_up: int = 0
    revenue_won: int = 0
    visits_by_channel: dict = field(default_factory=lambda: dict.fromkeys(CHANNELS, 0))
    reservations_by_channel: dict = field(default_factory=lambda: dict.fromkeys(CHANNELS, 0))
    hours: list = field(default_factory=lambda: [0] * 24)
    # name → {"units_reserved", "units_counter_sold", "sold_out_seconds"}
    items: dict = field(default_factory=dict)

    @property
    def visits(self) -> int:
        return sum(self.visits_by_channel.values())


@dataclass
class History:
    shop: Shop
    today: date
    days: list[date]
    expected: dict[date, Expected]


def build_history(shop: Shop, clock, *, seed: int = 17) -> History:
    """28 days before TODAY: every day but Wednesdays, 단감 (50팩) and on even days 사과
    (30봉) arrive at 09:00; 4–9 reservations between 10:00 and 20:59 by a few regulars and
    new customers; each is picked up, cancelled by the customer or the shop, or left to be a
    no-show at 23:00; counter sales; some days 단감 sells out; visits through every channel."""
    rng = random.Random(seed)
    today = timezone.localtime(TODAY_10AM).date()
    first = today - timedelta(days=HISTORY_DAYS)
    Shop.objects.filter(pk=shop.pk).update(created_at=at(first - timedelta(days=1), "08:00"))
    point = factories.make_cafe(shop, "골목 카페", opens_at=time(8), closes_at=time(22))
    regulars = [f"010-7000-{n:04d}" for n in range(4)]
    collected: set[str] = set()  # phones that have picked something up here
    expected: dict[date, Expected] = defaultdict(Expected)
    days = [first + timedelta(days=k) for k in range(HISTORY_DAYS)]
    for day in days:
        e = expected[day]
        if day.weekday() == QUIET_WEEKDAY:
            continue
        clock.now = at(day, "09:00")
        listings = [factories.make_listing(shop, "단감", available=50, unit="팩")]
        e.items["단감"] = {"units_reserved": 0, "units_counter_sold": 0, "sold_out_seconds": None}
        if day.toordinal() % 2 == 0:
            listings.append(
                factories.make_listing(shop, "사과", available=30, unit="봉", pickup_price=5000)
            )
            e.items["사과"] = {
                "units_reserved": 0,
                "units_counter_sold": 0,
                "sold_out_seconds": None,
            }
        for channel in CHANNELS:
            for visitor in range(rng.randint(0, 3)):
                shop_services.record_share_visit(
                    shop_id=shop.pk, channel=channel, visitor=f"v{visitor}", day=day
                )
                e.visits_by_channel[channel] += 1
            if e.visits_by_channel[channel]:
                # A repeated visit by the same visitor is not counted again.
                shop_services.record_share_visit(
                    shop_id=shop.pk, channel=channel, visitor="v0", day=day
                )
            if e.visits_by_channel[channel] and rng.random() < 0.5:
                shop_services.record_share_reservation(shop_id=shop.pk, channel=channel, day=day)
                e.reservations_by_channel[channel] += 1
        made = []
        free_regulars = list(regulars)
        for k in range(rng.randint(4, 9)):
            listing = rng.choice(listings)
            hour = 10 + (k * 7 + rng.randint(0, 3)) % 11
            clock.now = at(day, f"{hour:02d}:{rng.randint(0, 59):02d}")
            regular = bool(free_regulars) and rng.random() < 0.5
            phone = free_regulars.pop(rng.randrange(len(free_regulars))) if regular else None
            phone = phone or factories.next_phone()
            quantity = rng.randint(1, 3)
            reservation = factories.make_reservation(
                shop, listing, point, quantity=quantity, phone=phone, consent=True
            )
            e.reservations += 1
            e.returning_reservations += phone in collected
            e.units_reserved += quantity
            e.hours[hour] += 1
            e.items[listing.name]["units_reserved"] += quantity
            made.append((reservation, regular, phone))
        # Outcomes, in the afternoon and at night; regulars never miss a pickup.
        clock.now = at(day, "21:00")
        for reservation, regular, phone in made:
            roll = rng.random()
            if regular or roll < 0.55:
                reservations.mark_picked_up(shop=shop, code=reservation.code)
                collected.add(phone)
                e.picked_up += 1
                e.units_picked_up += reservation.units
                e.revenue_won += reservation.total_price
            elif roll < 0.7:
                reservations.cancel_reservation(reservation_id=reservation.pk, by="customer")
                e.cancelled += 1
                e.cancelled_by_customer += 1
            elif roll < 0.8:
                reservations.cancel_reservation(
                    reservation_id=reservation.pk, by="shop", shop=shop, reason="재고 착오"
                )
                e.cancelled += 1
                e.cancelled_by_shop += 1
        clock.now = at(day, "23:00")
        for reservation, _regular, _phone in made:
            reservation.refresh_from_db()
            if reservation.is_open:
                reservations.mark_no_show(reservation_id=reservation.pk)
                e.no_shows += 1
        # Counter sales at 12:12; on Mondays and Fridays the rest of 단감 goes: sold out.
        clock.now = at(day, "12:12")
        danggam = listings[0]
        danggam.refresh_from_db()
        sold = danggam.available if day.weekday() in (0, 4) else 5
        stock.adjust_stock(shop=shop, listing_id=danggam.pk, delta=-sold)
        e.items["단감"]["units_counter_sold"] += sold
        if day.weekday() in (0, 4):
            e.items["단감"]["sold_out_seconds"] = 3 * 3600 + 12 * 60
    clock.now = TODAY_10AM
    return History(shop=shop, today=today, days=days, expected=dict(expected))


@pytest.fixture
def history(db, shop, clock) -> History:
    return build_history(shop, clock)
