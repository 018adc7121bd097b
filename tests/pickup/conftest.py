"""Fixtures for reservations: a café pickup point with hours and windows, and a clock."""

from __future__ import annotations

from datetime import time

import pytest
from django.core.cache import cache

from tests import factories


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def cafe_point(db, shop):
    return factories.make_cafe(
        shop, "골목 카페", opens_at=time(8), closes_at=time(22), opening_hours="매일 08:00–22:00"
    )


@pytest.fixture
def lunch(cafe_point):
    return factories.make_window(cafe_point, "12:00", "14:00", capacity=3)


@pytest.fixture
def evening(cafe_point):
    return factories.make_window(cafe_point, "17:00", "19:00")


@pytest.fixture
def counter_point(db, shop):
    """The shop's own counter, no windows: pick up any time while open."""
    return factories.shop_counter(shop)
