"""Writers racing on a real database (the SQLite default, or PostgreSQL via DATABASE_URL)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import close_old_connections, connection

from livestock import services
from livestock.models import Listing, StockEvent
from shops.models import Shop
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


def race(count: int, work):
    barrier = threading.Barrier(count)

    def run(i):
        barrier.wait()
        try:
            return work(i)
        finally:
            close_old_connections()
            connection.close()

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))


def test_many_counter_sales_for_the_last_units_never_oversell():
    shop = factories.make_shop()
    listing = factories.make_listing(shop, available=10)

    def sell_one(_i):
        try:
            services.adjust_stock(shop=shop, listing_id=listing.pk, delta=-1)
            return "sold"
        except services.InsufficientStock:
            return "refused"

    outcomes = race(24, sell_one)
    assert outcomes.count("sold") == 10
    assert outcomes.count("refused") == 14
    assert Listing.objects.get(pk=listing.pk).available == 0
    versions = list(
        StockEvent.objects.filter(shop=shop).order_by("version").values_list("version", flat=True)
    )
    assert versions == list(range(1, 12))
    assert Shop.objects.get(pk=shop.pk).stock_version == 11


def test_same_idempotency_key_from_two_racing_retries_applies_once():
    shop = factories.make_shop()
    listing = factories.make_listing(shop, available=100)

    def retry(_i):
        result, replayed = services.adjust_stock(
            shop=shop, listing_id=listing.pk, delta=-7, idempotency_key="double-tap"
        )
        return result.available, replayed

    outcomes = race(6, retry)
    assert {available for available, _ in outcomes} == {93}
    assert sorted(replayed for _, replayed in outcomes) == [False] + [True] * 5
    assert Listing.objects.get(pk=listing.pk).available == 93
    assert StockEvent.objects.filter(listing=listing, delta=-7).count() == 1
