"""Customers race for the last place of a future day's window while the owner closes that
day, on real concurrent database connections (PostgreSQL with DATABASE_URL, else SQLite)."""

from __future__ import annotations

from collections import Counter
from datetime import time, timedelta

import pytest
from django.utils import timezone

from livestock.models import Listing
from pickup.models import Reservation
from pickup.services import calendar as calendar_services
from shops.models import ShopClosure
from tests import factories
from tests.pickup.test_races import assert_log_matches, race, reserve_one

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

REASON = "보일러 수리"


@pytest.mark.parametrize("round_", range(3))
def test_closing_a_day_while_customers_take_its_last_place(round_):
    shop = factories.make_shop()
    point = factories.make_cafe(shop, "골목 카페", opens_at=time(0), closes_at=None)
    window = factories.make_window(point, "10:00", "12:00", capacity=3)
    listing = factories.make_listing(shop, "소금빵", 100)
    day = timezone.localdate() + timedelta(days=2)

    def reserve_on_day(i: int) -> Reservation:
        from pickup.services import reservations

        return reservations.reserve(
            shop=shop,
            listing_id=listing.pk,
            quantity=1,
            pickup_point_id=point.pk,
            window_id=window.pk,
            pickup_date=day.isoformat(),
            name=f"손님{i}",
            phone=f"010-8{i // 1000:03d}-{i % 1000:04d}",
        )[0]

    early = [reserve_on_day(900 + i) for i in range(2)]  # one place left
    assert Listing.objects.get(pk=listing.pk).available == 98

    def work(i: int):
        if i == 0:
            return calendar_services.close_day(shop=shop, day=day, reason=REASON)
        return reserve_on_day(i)

    results, errors = race(16, work)
    assert set(errors) <= {"window_full", "shop_closed"}, errors
    closed = [r for r in results if isinstance(r, calendar_services.DayClosed)]
    made = [r for r in results if isinstance(r, Reservation)]
    assert len(closed) == 1
    assert len(made) <= 1 and len(made) + sum(errors.values()) == 15

    on_day = Reservation.objects.filter(shop=shop, date=day)
    assert not on_day.open().exists()  # none survives on a closed day
    assert on_day.count() == 2 + len(made)
    for reservation in on_day:
        assert reservation.status == Reservation.Status.CANCELLED
        assert reservation.cancelled_by == Reservation.CancelledBy.SHOP
        assert REASON in reservation.cancel_reason
        assert reservation.units_returned == reservation.units
    assert {r.pk for r in closed[0].cancelled} == set(on_day.values_list("pk", flat=True))
    assert {r.pk for r in early} <= {r.pk for r in closed[0].cancelled}
    assert ShopClosure.objects.filter(shop=shop, date=day).count() == 1
    assert Listing.objects.get(pk=listing.pk).available == 100  # all stock returned
    assert_log_matches(listing)


def test_reservations_on_other_days_are_untouched_by_a_closing(db):
    shop = factories.make_shop()
    point = factories.make_cafe(shop, "골목 카페", opens_at=time(0), closes_at=None)
    listing = factories.make_listing(shop, "소금빵", 100)
    kept = reserve_one(shop, listing, point, 1)
    day = timezone.localdate() + timedelta(days=3)
    result = calendar_services.close_day(shop=shop, day=day, reason=REASON)
    assert result.cancelled == []
    kept.refresh_from_db()
    assert kept.status == Reservation.Status.CONFIRMED
    assert Counter(Reservation.objects.values_list("status", flat=True)) == Counter(
        {"confirmed": 1}
    )
