"""Fixtures for notifications: the loopback push service, allowed as a push host, and the
worker run by hand (tests run huey in immediate mode; what waits for a time is driven by
``delivery.tick`` with the clock fixture)."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from notify import delivery, keys
from tests.notify.push_service import PushService


@pytest.fixture(autouse=True)
def _fresh_state():
    cache.clear()
    keys.forget()
    delivery.reset_sender()
    yield
    delivery.reset_sender()
    keys.forget()


@pytest.fixture
def push_service(settings, transactional_db):
    with PushService(keys.public_key()) as service:
        settings.WEB_PUSH_ENDPOINT_HOSTS = [f"127.0.0.1:{service.port}"]
        yield service
