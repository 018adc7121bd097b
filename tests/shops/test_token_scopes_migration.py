"""Tokens issued before scopes existed keep every right after the migration."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from shops.models import ALL_SCOPES

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("shops", "0006_lat_band_generated")]
AFTER = [("shops", "0007_api_token_scopes")]


def test_existing_tokens_migrate_to_every_scope():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    shop = old.get_model("shops", "Shop").objects.create(
        slug="old-shop", name="옛 가게", lat=37.5559, lng=126.9019
    )
    old.get_model("shops", "ApiToken").objects.create(
        shop_id=shop.pk, name="old", key_hash="a" * 64, hint="d5k_abcdef"
    )
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    token = new.get_model("shops", "ApiToken").objects.get(name="old")
    assert token.scopes == list(ALL_SCOPES)
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
