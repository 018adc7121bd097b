"""The live stock socket on top of the shop hub, with real commits through the stock service."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from channels.db import aclose_old_connections, database_sync_to_async
from channels.layers import get_channel_layer
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.db import transaction

from livestock import selectors, services, streams
from livestock.routing import websocket_urlpatterns
from livestock.streams import shop_group
from realtime import hub as live_hub

pytestmark = pytest.mark.django_db(transaction=True)

application = URLRouter(websocket_urlpatterns)


@pytest.fixture(autouse=True)
async def clean_layer():
    layer = get_channel_layer()
    await layer.flush()
    yield
    await layer.flush()
    # A socket left open (or a read after the last one closed) keeps the sync thread's
    # connection, which would stop PostgreSQL from dropping the test database.
    await aclose_old_connections()


@pytest.fixture
async def live(shop, listing):
    """Open sockets on the shop; every one still open is closed at the end."""
    opened: list[WebsocketCommunicator] = []

    async def open_socket(slug: str | None = None) -> tuple[WebsocketCommunicator, dict]:
        communicator = WebsocketCommunicator(application, f"/ws/shops/{slug or shop.slug}/")
        connected, _ = await communicator.connect()
        assert connected
        opened.append(communicator)
        return communicator, await communicator.receive_json_from()

    yield open_socket
    for communicator in opened:
        await communicator.disconnect()


adjust = database_sync_to_async(services.adjust_stock)


async def change(shop, listing, delta: int = -1) -> int:
    result, _replayed = await adjust(shop=shop, listing_id=listing.pk, delta=delta)
    return result.version


async def stock_versions(communicator: WebsocketCommunicator, count: int) -> list[int]:
    versions = []
    for _ in range(count):
        message = await communicator.receive_json_from(timeout=2)
        assert message["type"] == "stock", message
        versions.append(message["version"])
    return versions


async def test_each_socket_gets_every_committed_change_once_in_order(shop, listing, live):
    sockets = [await live() for _ in range(5)]
    start = sockets[0][1]["version"]
    for _ in range(4):
        await change(shop, listing)
    for communicator, snapshot in sockets:
        assert snapshot["type"] == "snapshot" and snapshot["version"] == start
        assert await stock_versions(communicator, 4) == [start + 1, start + 2, start + 3, start + 4]
        assert await communicator.receive_nothing()


@pytest.fixture
def layer_calls(monkeypatch) -> list[tuple[str, str, str]]:
    """Every group_add / group_discard made on the channel layer, whatever its backend."""
    layer = get_channel_layer()
    calls: list[tuple[str, str, str]] = []
    for name in ("group_add", "group_discard"):
        real = getattr(layer, name)

        async def recorded(group, channel, _real=real, _name=name):
            calls.append((_name, group, channel))
            await _real(group, channel)

        monkeypatch.setattr(layer, name, recorded)
    return calls


async def test_sockets_of_one_shop_share_one_group_membership(
    shop, listing, other_shop, live, layer_calls
):
    for _ in range(3):
        await live()
    await live(other_shop.slug)
    assert [(name, group) for name, group, _channel in layer_calls] == [
        ("group_add", shop_group(shop.pk)),
        ("group_add", shop_group(other_shop.pk)),
    ]
    assert set(live_hub.hubs()) == {shop_group(shop.pk), shop_group(other_shop.pk)}
    assert len(live_hub.hubs()[shop_group(shop.pk)].members) == 3


async def test_last_socket_closing_leaves_the_group(shop, listing, layer_calls):
    communicators = [
        WebsocketCommunicator(application, f"/ws/shops/{shop.slug}/") for _ in range(2)
    ]
    for communicator in communicators:
        await communicator.connect()
        await communicator.receive_json_from()
    await communicators[0].disconnect()
    assert [name for name, _group, _channel in layer_calls] == ["group_add"]
    await communicators[1].disconnect()
    for _ in range(10):
        await asyncio.sleep(0)
    assert live_hub.hubs() == {}
    (_add, group, channel), (discard, discard_group, discard_channel) = layer_calls
    assert (discard, discard_group, discard_channel) == ("group_discard", group, channel)


async def test_commit_between_joining_and_the_snapshot_read_is_not_doubled(
    shop, listing, live, monkeypatch
):
    """The race the hub is built for: changes land after joining, before and after the read."""
    reads = streams.DB_READS
    versions: dict[str, int] = {}

    async def snapshot_with_changes_around_it(snapshot_shop):
        versions["before"] = await change(shop, listing)
        message = await reads.snapshot(snapshot_shop)
        versions["after"] = await change(shop, listing)
        return message

    monkeypatch.setattr(
        streams,
        "DB_READS",
        streams.StockReads(
            reads.current_version, reads.messages_after, snapshot_with_changes_around_it
        ),
    )
    communicator, snapshot = await live()
    assert snapshot["version"] == versions["before"]
    assert await stock_versions(communicator, 1) == [versions["after"]]
    assert await communicator.receive_nothing()


async def test_sockets_connecting_during_a_burst_see_each_change_once_in_order(shop, listing, live):
    changes = 20

    async def writer() -> list[int]:
        return [await change(shop, listing) for _ in range(changes)]

    async def joiner(delay: int):
        await asyncio.sleep(delay * 0.01)
        return await live()

    written, *joined = await asyncio.gather(writer(), *(joiner(i) for i in range(10)))
    last = written[-1]
    for communicator, snapshot in joined:
        expected = list(range(snapshot["version"] + 1, last + 1))
        assert await stock_versions(communicator, len(expected)) == expected
        assert await communicator.receive_nothing()
    assert {snapshot["version"] for _c, snapshot in joined} != {last}


async def test_out_of_order_group_sends_reach_the_client_in_order(shop, listing, live):
    communicator, snapshot = await live()
    published: list[Any] = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            services, "publish_stock_message", lambda shop_id, message: published.append(message)
        )
        await change(shop, listing)
        await change(shop, listing)
    layer = get_channel_layer()
    for message in reversed(published):
        await layer.group_send(
            shop_group(shop.pk), {"type": "realtime.message", "message": message}
        )
    v = snapshot["version"]
    assert await stock_versions(communicator, 2) == [v + 1, v + 2]


async def test_a_lost_group_send_is_filled_from_the_log(shop, listing, live, monkeypatch):
    monkeypatch.setattr(live_hub.StreamHub, "GAP_GRACE_SECONDS", 0.01)
    communicator, snapshot = await live()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(services, "publish_stock_message", lambda shop_id, message: None)
        await change(shop, listing, -2)
    await change(shop, listing, -3)
    v = snapshot["version"]
    first = await communicator.receive_json_from(timeout=2)
    second = await communicator.receive_json_from(timeout=2)
    assert (first["version"], first["listing"]["available"]) == (v + 1, 198)
    assert (second["version"], second["listing"]["available"]) == (v + 2, 195)


async def test_a_socket_whose_send_fails_does_not_stop_the_others(shop, listing, live):
    sockets = [await live() for _ in range(3)]
    hub = live_hub.hubs()[shop_group(shop.pk)]
    broken = list(hub.members)[1]

    async def fail(event):
        raise ConnectionResetError

    broken.send = fail
    v = await change(shop, listing)
    for index in (0, 2):
        assert await stock_versions(sockets[index][0], 1) == [v]
    assert broken not in hub.members and len(hub.members) == 2


async def test_handling_socket_messages_makes_no_extra_thread_hop(shop, listing, live, monkeypatch):
    """Every read goes through database_sync_to_async, which closes stale connections itself."""
    import channels.consumer
    import channels.generic.websocket

    from realtime import consumers

    hops: list[str] = []

    async def hop():
        hops.append("hop")

    for module in (channels.consumer, channels.generic.websocket, consumers):
        monkeypatch.setattr(module, "aclose_old_connections", hop)
    communicator, snapshot = await live()
    v = await change(shop, listing)
    assert await stock_versions(communicator, 1) == [v]
    await communicator.send_json_to({"type": "resync", "version": snapshot["version"]})
    assert await stock_versions(communicator, 1) == [v]
    await communicator.send_json_to({"type": "ping"})
    assert (await communicator.receive_json_from())["type"] == "pong"
    assert hops == []
    await communicator.disconnect()
    assert hops == ["hop"]
    assert live_hub.hubs() == {}


async def test_heartbeat_carries_the_committed_version(shop, listing, live, settings):
    settings.LIVESTOCK_HEARTBEAT_SECONDS = 0.1
    communicator, snapshot = await live()
    message = await communicator.receive_json_from(timeout=2)
    assert message == {"type": "heartbeat", "version": snapshot["version"]}


async def test_resync_sends_what_followed_the_clients_version(shop, listing, live):
    communicator, snapshot = await live()
    v = snapshot["version"]
    await change(shop, listing)
    await change(shop, listing)
    assert await stock_versions(communicator, 2) == [v + 1, v + 2]
    await communicator.send_json_to({"type": "resync", "version": v})
    assert await stock_versions(communicator, 2) == [v + 1, v + 2]
    await communicator.send_json_to({"type": "resync", "version": v + 2})
    assert await communicator.receive_nothing()
    await change(shop, listing)
    assert await stock_versions(communicator, 1) == [v + 3]


async def test_resync_beyond_the_log_gets_a_snapshot(shop, listing, live, settings, monkeypatch):
    settings.LIVESTOCK_EVENTS_KEPT = 2
    monkeypatch.setattr(live_hub.StreamHub, "RECENT_KEPT", 2)
    communicator, snapshot = await live()
    for _ in range(3):
        await change(shop, listing)
    await stock_versions(communicator, 3)
    await communicator.send_json_to({"type": "resync", "version": snapshot["version"]})
    fresh = await communicator.receive_json_from()
    assert fresh["type"] == "snapshot" and fresh["version"] == snapshot["version"] + 3


async def test_resync_within_recent_changes_needs_no_database_read(shop, listing, live):
    communicator, snapshot = await live()
    v = snapshot["version"]
    for _ in range(2):
        await change(shop, listing)
    assert await stock_versions(communicator, 2) == [v + 1, v + 2]
    hub = live_hub.hubs()[shop_group(shop.pk)]

    async def no_read(*args):
        raise AssertionError("read the database")

    hub.reads = live_hub.Reads(no_read, no_read, no_read)
    await communicator.send_json_to({"type": "resync", "version": v})
    assert await stock_versions(communicator, 2) == [v + 1, v + 2]
    await communicator.send_json_to({"type": "resync", "version": v + 2})
    assert await communicator.receive_nothing()


async def test_a_change_during_a_resync_is_sent_after_it_once(shop, listing, live, monkeypatch):
    monkeypatch.setattr(live_hub.StreamHub, "RECENT_KEPT", 1)
    communicator, snapshot = await live()
    v = snapshot["version"]
    await change(shop, listing)
    await change(shop, listing)
    assert await stock_versions(communicator, 2) == [v + 1, v + 2]
    hub = live_hub.hubs()[shop_group(shop.pk)]
    reads = hub.reads

    async def log_read_with_a_commit(*args):
        messages = await reads.messages_after(*args)
        await change(shop, listing)
        await asyncio.sleep(0.05)
        return messages

    hub.reads = live_hub.Reads(reads.current_version, log_read_with_a_commit, reads.snapshot)
    # v + 1 is no longer in memory, so the answer comes from the log while v + 3 commits.
    await communicator.send_json_to({"type": "resync", "version": v})
    assert await stock_versions(communicator, 3) == [v + 1, v + 2, v + 3]
    assert await communicator.receive_nothing()


async def test_unknown_shop_is_closed_with_4404(db):
    communicator = WebsocketCommunicator(application, "/ws/shops/no-such-shop/")
    await communicator.connect()
    assert await communicator.receive_output() == {"type": "websocket.close", "code": 4404}
    assert live_hub.hubs() == {}


async def test_malformed_messages_get_an_error_and_the_socket_stays(shop, listing, live):
    communicator, snapshot = await live()
    for frame, code in (
        ("{", "malformed_json"),
        ("[]", "malformed_message"),
        ('{"type": "dance"}', "unknown_type"),
        ('{"type": "resync", "version": true}', "invalid_version"),
    ):
        await communicator.send_to(text_data=frame)
        assert await communicator.receive_json_from() == {"type": "error", "code": code}
    v = await change(shop, listing)
    assert await stock_versions(communicator, 1) == [v]


async def test_a_failing_subscribe_closes_the_socket_to_retry(shop, listing, monkeypatch):
    layer = get_channel_layer()
    real_group_add = layer.group_add
    failures = [ConnectionError("layer down")]

    async def group_add(group, channel):
        if failures:
            raise failures.pop()
        await real_group_add(group, channel)

    monkeypatch.setattr(layer, "group_add", group_add)
    first = WebsocketCommunicator(application, f"/ws/shops/{shop.slug}/")
    await first.connect()
    assert await first.receive_output() == {"type": "websocket.close", "code": 4503}
    assert live_hub.hubs() == {}

    second = WebsocketCommunicator(application, f"/ws/shops/{shop.slug}/")
    await second.connect()
    snapshot = await second.receive_json_from()
    v = await change(shop, listing)
    assert v == snapshot["version"] + 1
    assert await stock_versions(second, 1) == [v]
    await second.disconnect()


async def test_a_database_outage_while_joining_closes_the_socket_to_retry(
    shop, listing, monkeypatch
):
    from django.db import OperationalError

    async def database_away(snapshot_shop):
        raise OperationalError("connection refused")

    monkeypatch.setattr(
        streams,
        "DB_READS",
        streams.StockReads(
            streams.DB_READS.current_version, streams.DB_READS.messages_after, database_away
        ),
    )
    communicator = WebsocketCommunicator(application, f"/ws/shops/{shop.slug}/")
    await communicator.connect()
    assert await communicator.receive_output() == {"type": "websocket.close", "code": 4503}
    assert live_hub.hubs() == {}
    await communicator.disconnect()


async def test_a_change_rolled_back_is_never_sent(shop, listing, live):
    communicator, snapshot = await live()

    @database_sync_to_async
    def change_then_roll_back():
        with pytest.raises(RuntimeError), transaction.atomic():
            services.change_stock_in_transaction(
                shop=shop,
                listing_id=listing.pk,
                delta=-5,
                reason="counter_sale",
                actor=services.SYSTEM,
            )
            raise RuntimeError

    await change_then_roll_back()
    assert await communicator.receive_nothing()
    assert await database_sync_to_async(selectors.current_version)(shop.pk) == snapshot["version"]
