"""Races on PostgreSQL row locks with real threads: two workers handed the same deliveries
send each push once (the claim is ``FOR UPDATE SKIP LOCKED`` plus a lease), and one browser
following a shop from two tabs at once ends with one subscription and one follow. SQLite
serialises writers, so the SQLite pass defers to the PostgreSQL one (`make test-services`)."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.db import connection, connections

from notify import delivery, services
from notify.models import Delivery, Follow, Push, Subscription
from tests import factories
from tests.support.services import postgres_server_url

pytestmark = [pytest.mark.postgres]


def needs_postgresql() -> None:
    if connection.vendor != "postgresql":
        postgres_server_url()
        pytest.skip("runs in the PostgreSQL pass: DATABASE_URL=postgres://… (make test-services)")


def together(n: int, work) -> list:
    """Run ``work(i)`` in n threads released at once; returns results or exceptions."""
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = work(i)
        except Exception as error:  # noqa: BLE001 - reported by the test
            results[i] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_two_workers_with_the_same_batch_send_each_push_once(push_service, shop, monkeypatch):
    needs_postgresql()
    browsers = [push_service.browser() for _ in range(40)]
    for browser in browsers:
        # Agreed to night messages, so the hour the suite runs at does not matter.
        services.follow_shop(
            shop=shop, subscription=browser.subscription, night=True, origin="http://t"
        )
    factories.make_listing(shop, "단감", available=200)
    push = Push.objects.get()
    # Fan out without handing out batches: the race below hands the same batch to four.
    monkeypatch.setattr(delivery, "_dispatch_later", lambda: None)
    Push.objects.filter(pk=push.pk).update(due_at=push.created_at)  # due now
    assert delivery.fan_out(push_id=push.pk) == 40
    ids = list(Delivery.objects.values_list("pk", flat=True))
    results = together(4, lambda i: delivery.send_batch(ids=ids))
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(r["sent"] for r in results) == 40
    assert Counter(len(b.messages) for b in browsers) == Counter({1: 40})
    assert Delivery.objects.filter(status="sent").count() == 40


def test_one_browser_following_from_two_tabs_at_once(push_service, shop):
    needs_postgresql()
    browser = push_service.browser()
    results = together(
        6,
        lambda i: (
            services.follow_shop(
                shop=shop, subscription=browser.subscription, origin="http://t"
            ).token
        ),
    )
    assert not [r for r in results if isinstance(r, Exception)], results
    assert len(set(results)) == 1  # every tab got the one follow's token
    assert Subscription.objects.count() == 1
    assert Follow.objects.count() == 1
