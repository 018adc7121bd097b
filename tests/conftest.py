"""Shared fixtures. Factories are plain functions in tests/factories.py."""

from __future__ import annotations

import gc
from datetime import datetime, time

import pytest
from asgiref.sync import SyncToAsync
from django.db import connections
from django.test import Client
from django.utils import timezone, translation

from tests import factories

# A fixed "today" in Seoul, late morning: windows at 12–14 and 17–19 are ahead.
TODAY_10AM = timezone.make_aware(datetime(2026, 11, 20, 10, 0))


@pytest.fixture(scope="session", autouse=True)
def _close_the_shared_sync_thread_connection(django_db_setup, django_db_blocker):
    """Async tests read the database through channels' ``database_sync_to_async``, which runs
    on asgiref's one shared thread; its connection would outlive the last test and stop
    PostgreSQL from dropping the test database. Torn down before the database is."""
    yield
    with django_db_blocker.unblock():
        SyncToAsync.single_thread_executor.submit(connections.close_all).result()
    # Connections of threads that have ended (a live server's request threads) close when
    # they are collected.
    gc.collect()


@pytest.hookimpl(wrapper=True)
def pytest_pyfunc_call(pyfuncitem):
    """Close the connections a browser test's body opened, from the body's own context.

    Django keeps connections per context, and with Playwright's sync API the body of a test
    runs in a context its fixtures and the session's end do not see; a connection left there
    would stop PostgreSQL from dropping the test database.
    """
    try:
        return (yield)
    finally:
        if pyfuncitem.get_closest_marker("browser"):
            connections.close_all()


@pytest.fixture(autouse=True)
def _default_language():
    """A request in English leaves English active in this context (Django keeps it in an
    asgiref Local, which follows contexts into later async tests); start each test in Korean."""
    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _fresh_public_read_cache():
    """Test transactions roll back, so another test's shop can come back with the same id
    and versions; answers cached by storefront/page_cache.py must not cross tests."""
    from config.loop_reads import database
    from storefront.page_cache import Store

    for kept in list(Store.every):
        kept.clear()
    yield
    for kept in list(Store.every):
        kept.clear()
    # Its own connection would stop PostgreSQL from dropping the test database.
    database.close()


@pytest.fixture
def shop(db):
    return factories.make_shop()


@pytest.fixture
def other_shop(db):
    return factories.make_shop(slug="other-shop", name="다른 가게", lat=37.57, lng=126.98)


@pytest.fixture
def owner(db, shop):
    return factories.make_owner(shop)


@pytest.fixture
def listing(db, shop):
    return factories.make_listing(shop)


@pytest.fixture
def token(db, shop):
    return factories.make_token(shop)


@pytest.fixture
def other_token(db, other_shop):
    return factories.make_token(other_shop)


@pytest.fixture
def api(token) -> Client:
    """A client that authenticates as the shop's integration token."""
    return Client(headers={"Authorization": f"Bearer {token}"})


@pytest.fixture
def owner_client(owner) -> Client:
    client = Client()
    client.force_login(owner)
    return client


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
