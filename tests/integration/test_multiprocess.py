"""Several daphne processes on the Redis channel layer, as in a scaled-out deployment."""

from __future__ import annotations

import json
import time

import pytest

from livestock.models import Listing
from tests.support.history import wrong_states
from tests.support.live_client import LiveClient
from tests.support.processes import http, record_measurement
from tests.support.tcpproxy import TcpProxy

pytestmark = [pytest.mark.multiprocess, pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def change(server_url: str, slug: str, listing_id: int, token: str, delta: int) -> dict:
    status, _headers, body = http(
        "POST",
        f"{server_url}/api/shops/{slug}/listings/{listing_id}/stock",
        {"delta": delta},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert status == 200, body
    return json.loads(body)


def client_for(server, slug: str) -> LiveClient:
    client = LiveClient(url=lambda: f"{server.ws_url}/ws/shops/{slug}/", origin=lambda: server.url)
    client.connect()
    client.pump(lambda c: bool(c.messages), timeout=15)
    return client


def test_change_through_one_process_reaches_a_socket_on_the_other_in_order(
    start_daphne, live_redis_url, shop, listing, token
):
    a = start_daphne(live_redis_url, name="daphne-a")
    b = start_daphne(live_redis_url, name="daphne-b")
    client = client_for(b, shop.slug)
    assert client.messages[0]["type"] == "snapshot"
    start_version, start_count = client.version, client.counts[listing.pk]

    deltas = [-1, -2, 5, -3, 10, -7, -1, 4]
    results = [change(a.url, shop.slug, listing.pk, token, d) for d in deltas]
    client.pump(lambda c: c.version == results[-1]["version"], timeout=20)

    stock = [m for m in client.messages if m["type"] == "stock"]
    assert [m["version"] for m in stock] == [start_version + i + 1 for i in range(len(deltas))]
    expected, count = [], start_count
    for delta in deltas:
        count += delta
        expected.append(count)
    assert [m["listing"]["available"] for m in stock] == expected
    assert client.counts[listing.pk] == Listing.objects.get(pk=listing.pk).available == count
    client.close()


def test_clients_of_a_killed_process_reconnect_to_the_other_and_show_the_right_count(
    start_daphne, live_redis_url, shop, listing, token
):
    a = start_daphne(live_redis_url, name="daphne-a")
    b = start_daphne(live_redis_url, name="daphne-b")
    balancer = TcpProxy([("127.0.0.1", a.port), ("127.0.0.1", b.port)])
    lb_http = f"http://127.0.0.1:{balancer.port}"
    try:
        clients = [
            LiveClient(
                url=lambda: f"ws://127.0.0.1:{balancer.port}/ws/shops/{shop.slug}/",
                origin=lambda: lb_http,
            )
            for _ in range(4)
        ]
        for client in clients:
            client.connect()
            client.pump(lambda c: bool(c.messages), timeout=15)
        change(a.url, shop.slug, listing.pk, token, -5)
        last = change(b.url, shop.slug, listing.pk, token, -5)
        for client in clients:
            client.pump(lambda c: c.version == last["version"], timeout=20)

        a.kill()
        killed = time.monotonic()
        # The counter keeps selling on the surviving process while clients are cut off.
        for delta in (-3, -4, 20):
            last = change(b.url, shop.slug, listing.pk, token, delta)
        for client in clients:
            client.pump(lambda c: c.version == last["version"], timeout=30)
        record_measurement("all_clients_current_after_daphne_kill", time.monotonic() - killed)
        last = change(b.url, shop.slug, listing.pk, token, -1)
        for client in clients:
            client.pump(lambda c: c.version == last["version"], timeout=20)

        final = Listing.objects.get(pk=listing.pk).available
        assert final == 200 - 5 - 5 - 3 - 4 + 20 - 1
        assert all(client.counts[listing.pk] == final for client in clients)
        assert sum(client.connections for client in clients) > len(clients), "nobody reconnected"
        for client in clients:
            assert wrong_states(client.shown, shop.pk) == []
            client.close()
    finally:
        balancer.close()


def test_live_updates_resume_by_themselves_after_redis_restarts(
    start_daphne, throwaway_redis, shop, listing, token
):
    # A heartbeat far away: whatever the client receives after the restart comes through
    # the re-established Redis subscriptions, not a heartbeat-triggered resync.
    a = start_daphne(throwaway_redis.url, name="daphne-a", LIVESTOCK_HEARTBEAT_SECONDS="600")
    b = start_daphne(throwaway_redis.url, name="daphne-b", LIVESTOCK_HEARTBEAT_SECONDS="600")
    client = client_for(b, shop.slug)
    last = change(a.url, shop.slug, listing.pk, token, -1)
    client.pump(lambda c: c.version == last["version"], timeout=20)

    throwaway_redis.restart()
    restarted = time.monotonic()

    # Keep selling, one at a time, until a change made on A shows up live on B again.
    for _attempt in range(40):
        last = change(a.url, shop.slug, listing.pk, token, -1)
        target = last["version"]
        try:
            client.pump(lambda c, v=target: c.version == v, timeout=0.5, reconnect=False)
            break
        except TimeoutError:
            continue
    else:
        pytest.fail(f"no live update within 20 s of the Redis restart:\n{b.log_tail()}")
    record_measurement("live_again_after_redis_restart", time.monotonic() - restarted)

    for delta in (-2, 3, -4):
        last = change(a.url, shop.slug, listing.pk, token, delta)
    client.pump(lambda c: c.version == last["version"], timeout=20, reconnect=False)
    assert client.connections == 1
    assert client.counts[listing.pk] == Listing.objects.get(pk=listing.pk).available
    assert wrong_states(client.shown, shop.pk) == []
    client.close()
