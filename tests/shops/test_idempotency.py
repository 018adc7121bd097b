"""Idempotency-Key replay (shops/idempotency.py): the write returns its domain object, the
record keeps only what the replay needs, and moving the record to shops kept every row."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor

from shops.errors import DomainError
from shops.idempotency import run_once
from shops.models import IdempotencyRecord

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Made:
    number: int


def test_a_replay_returns_the_recalled_domain_object_and_stores_only_what_it_needs(shop):
    calls = []

    def write(**overrides):
        with transaction.atomic():
            return run_once(
                shop_id=shop.pk,
                scope="test",
                key="k-1",
                request_data={"n": 7, **overrides},
                action=lambda: calls.append(1) or Made(7),
                remember=lambda made: {"number": made.number},
                recall=lambda stored: Made(stored["number"]),
            )

    assert write() == (Made(7), False)
    assert write() == (Made(7), True)
    assert len(calls) == 1
    record = IdempotencyRecord.objects.get(key="k-1")
    assert record.response == {"number": 7}
    assert not hasattr(record, "status_code")  # no HTTP status: the faces decide it
    with pytest.raises(DomainError) as refused:
        write(n=8)
    assert refused.value.code == "idempotency_key_reused"


def test_without_a_key_the_write_simply_runs(shop):
    with transaction.atomic():
        result = run_once(
            shop_id=shop.pk,
            scope="test",
            key=None,
            request_data={},
            action=lambda: Made(1),
            remember=lambda made: {},
            recall=Made,
        )
    assert result == (Made(1), False)
    assert not IdempotencyRecord.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_moving_the_record_to_shops_keeps_every_row():
    """A key claimed before the move (in livestock's table, with its status code) is still
    there afterwards, in shops' model, with what its replay needs."""
    before = [("livestock", "0003_per_customer_limit"), ("shops", "0004_membership_keep_an_owner")]
    executor = MigrationExecutor(connection)
    leaves = executor.loader.graph.leaf_nodes()
    executor.migrate(before)
    try:
        old = executor.loader.project_state(before).apps
        shop = old.get_model("shops", "Shop").objects.create(
            slug="before-move", name="옮기기 전", lat=37.5559, lng=126.9019
        )
        old.get_model("livestock", "IdempotencyRecord").objects.create(
            shop=shop,
            scope="reserve",
            key="k-old",
            fingerprint="f" * 64,
            status_code=201,
            response={"reservation_id": 41},
        )
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(leaves)
    record = IdempotencyRecord.objects.get(key="k-old")
    assert (record.shop_id, record.scope, record.response) == (
        shop.pk,
        "reserve",
        {"reservation_id": 41},
    )
