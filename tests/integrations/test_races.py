"""Several workers woken for one endpoint at once, on PostgreSQL with real threads: each
event arrives once, in version order, and none is left behind."""

from __future__ import annotations

import json
import threading

import pytest
from django.db import connection, connections

from integrations import delivery, services
from integrations.models import Delivery
from livestock import services as stock
from tests import factories
from tests.support.services import postgres_server_url

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def needs_postgresql() -> None:
    if connection.vendor != "postgresql":
        postgres_server_url()
        pytest.skip("runs in the PostgreSQL pass: DATABASE_URL=postgres://… (make test-services)")


def test_workers_racing_for_one_endpoint_send_each_event_once_in_order(shop, receiver):
    needs_postgresql()
    listing = factories.make_listing(shop, "단감", available=1000)
    endpoint = services.create_endpoint(shop=shop, url=receiver.url, events=["stock.changed"])
    errors: list[BaseException] = []
    start = threading.Barrier(5)

    def writer() -> None:
        try:
            start.wait()
            for _ in range(40):
                stock.adjust_stock(
                    shop=shop, listing_id=listing.pk, delta=-1, reason="counter_sale"
                )
        except BaseException as error:  # noqa: BLE001
            errors.append(error)
        finally:
            connections.close_all()

    def worker() -> None:
        try:
            start.wait()
            for _ in range(60):
                delivery.deliver_endpoint(endpoint_id=endpoint.pk)
        except BaseException as error:  # noqa: BLE001
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer)] + [
        threading.Thread(target=worker) for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    delivery.deliver_endpoint(endpoint_id=endpoint.pk)  # whatever the race left due
    assert Delivery.objects.filter(status="pending").count() == 0
    versions = [json.loads(r.body)["data"]["version"] for r in receiver.received]
    assert versions == list(range(2, 42))  # once each, in order
    ids = [r.headers["webhook-id"] for r in receiver.received]
    assert len(ids) == len(set(ids))
