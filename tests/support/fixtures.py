"""Fixtures for tests that run the app as real processes (tests/integration, tests/e2e).

Import them into a conftest with ``from tests.support.fixtures import *``. Tests that use
them need committed data: mark them ``pytest.mark.django_db(transaction=True)``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from urllib.parse import quote

import pytest
from django.db import connection

from tests.support.processes import Daphne, RedisServer, server_env
from tests.support.services import redis_server_binary, shared_redis_url

__all__ = [
    "child_database_url",
    "module_redis_url",
    "live_redis_url",
    "throwaway_redis",
    "start_daphne",
]


def database_url_of_test_db() -> str:
    """The URL of the database this test run created, for server processes to share."""
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    user = quote(settings.get("USER") or "", safe="")
    password = quote(settings.get("PASSWORD") or "", safe="")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings.get("HOST") or "127.0.0.1"
    port = settings.get("PORT") or 5432
    return f"postgres://{auth}{host}:{port}/{settings['NAME']}"


@pytest.fixture
def child_database_url(transactional_db) -> str:
    return database_url_of_test_db()


@pytest.fixture
def throwaway_redis() -> Iterator[RedisServer]:
    """A Redis of this test's own, which the test may stop and restart."""
    server = RedisServer(redis_server_binary()).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def module_redis_url() -> Iterator[str]:
    url = shared_redis_url()
    if url:
        yield url
        return
    server = RedisServer(redis_server_binary()).start()
    yield server.url
    server.stop()


@pytest.fixture
def live_redis_url(module_redis_url) -> str:
    """The suite's REDIS_URL when it has one (the services run), else a throwaway Redis."""
    return module_redis_url


@pytest.fixture
def start_daphne(child_database_url) -> Iterator[Callable[..., Daphne]]:
    """``start_daphne(redis_url=None, name=..., **env)`` → a running daphne on the test DB."""
    started: list[Daphne] = []

    def start(redis_url: str | None = None, name: str = "daphne", **env: str) -> Daphne:
        server = Daphne(server_env(child_database_url, redis_url, **env), name=name)
        started.append(server)
        return server.start()

    yield start
    for server in started:
        server.stop()
