"""Fixtures for reservations: a café pickup point with hours and windows, and a clock."""

from __future__ import annotations

from datetime import datetime, time

import pytest
from django.core.cache import cache
from django.utils import timezone

from tests import factories

# A fixed "today" in Seoul, late morning: windows at 12–14 and 17–19 are ahead.
TODAY_10AM = timezone.make_aware(datetime(2026, 11, 20, 10, 0))


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def at(self, hh_mm: str) -> datetime:
        local = timezone.localtime(self.now)
        return timezone.make_aware(datetime.combine(local.date(), time.fromisoformat(hh_mm)))

    def set(self, hh_mm: str) -> datetime:
        self.now = self.at(hh_mm)
        return self.now


@pytest.fixture
def clock(monkeypatch) -> Clock:
    """Time travel: every ``timezone.now()`` in the app returns ``clock.now``."""
    c = Clock(TODAY_10AM)
    monkeypatch.setattr(timezone, "now", c)
    return c


@pytest.fixture
def cafe_point(db, shop):
    return factories.make_cafe(shop, "골목 카페", opens_at=time(8), closes_at=time(22),
                               opening_hours="매일 08:00–22:00")


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
