"""Two workers rolling up the same day at once (a second worker, or a rebuild during the
nightly run) write one row with the same figures, on real concurrent connections.

Runs on the default SQLite file in the plain suite and on PostgreSQL with DATABASE_URL
(marked ``postgres``), where the rollup's row lock is what serialises the two writers."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connections

from insights import services
from insights.models import DailyListingStat, DailyStat
from shops.models import Shop
from tests import factories

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_concurrent_rollups_of_one_day_write_one_row_with_the_same_figures(shop, clock):
    Shop.objects.filter(pk=shop.pk).update(created_at=clock.now - timedelta(days=3))
    point = factories.make_cafe(shop, "골목 카페")
    listing = factories.make_listing(shop)
    for quantity in (1, 2, 3):
        factories.make_reservation(shop, listing, point, quantity=quantity)
    day = clock.now.date()
    tomorrow = day + timedelta(days=1)
    n = 6
    barrier = threading.Barrier(n)
    errors: list[str] = []

    def work() -> None:
        try:
            barrier.wait()
            for _round in range(3):
                services.roll_up_day(shop=shop, day=day, today=tomorrow)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(f"{type(exc).__name__}: {exc}")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)
    assert not any(t.is_alive() for t in threads), "a rollup hung"
    assert errors == []
    [stat] = DailyStat.objects.filter(shop=shop, day=day)
    assert (stat.reservations, stat.units_reserved) == (3, 6)
    [row] = DailyListingStat.objects.filter(shop=shop, day=day)
    assert (row.listing_id, row.units_reserved, row.units_arrived) == (listing.pk, 6, 200)
