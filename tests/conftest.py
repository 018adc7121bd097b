"""Shared fixtures. Factories are plain functions in tests/factories.py."""

from __future__ import annotations

import pytest
from django.test import Client

from tests import factories


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
