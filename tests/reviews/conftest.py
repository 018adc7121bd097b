"""Fixtures for reviews: reservations made and picked up through the real services."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from pickup.services import reservations
from tests import factories


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def counter(db, shop):
    return factories.shop_counter(shop)


@pytest.fixture
def reserve(shop, listing, counter, clock):
    """``reserve(picked_up=True, **fields)``: a reservation at the shop's counter."""

    def make(picked_up: bool = True, **fields):
        reservation = factories.make_reservation(shop, listing, counter, **fields)
        if picked_up:
            reservations.mark_picked_up(shop=shop, code=reservation.code)
            reservation.refresh_from_db()
        return reservation

    return make


@pytest.fixture
def picked_up(reserve):
    return reserve(name="김동네")
