"""The live stock socket, driven through the real ASGI application."""

from __future__ import annotations

import asyncio
import json

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import override_settings

from config.asgi import application
from livestock import services
from livestock.models import StockEvent
from shops.models import Shop
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)

ORIGIN = [(b"origin", b"http://localhost")]


async def connect(slug: str, headers=ORIGIN) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(application, f"/ws/shops/{slug}/", headers=headers)
    connected, _ = await communicator.connect()
    assert connected
    return communicator


async def receive(communicator: WebsocketCommunicator, timeout: float = 2) -> dict:
    return json.loads(await communicator.receive_from(timeout=timeout))


@sync_to_async
def make_shop_with_listing(**kwargs):
    shop = factories.make_shop(**kwargs)
    return shop, factories.make_listing(shop, available=10)


@sync_to_async
def adjust(shop: Shop, listing_id: int, **change):
    return services.adjust_stock(shop=shop, listing_id=listing_id, **change)[0]


async def test_snapshot_on_connect_carries_version_and_listings():
    shop, listing = await make_shop_with_listing()
    ws = await connect(shop.slug)
    message = await receive(ws)
    assert message["type"] == "snapshot"
    assert message["shop"] == shop.slug
    assert message["version"] == 1
    [payload] = message["listings"]
    for field in ("id", "name", "unit", "available", "price", "pickup_price", "status"):
        assert field in payload
    assert (payload["id"], payload["available"], payload["status"]) == (listing.pk, 10, "on_sale")
    await ws.disconnect()


async def test_two_subscribers_see_three_changes_in_order():
    shop, listing = await make_shop_with_listing()
    first, second = await connect(shop.slug), await connect(shop.slug)
    for ws in (first, second):
        assert (await receive(ws))["version"] == 1
    await adjust(shop, listing.pk, delta=-1)
    await adjust(shop, listing.pk, delta=-2)
    await adjust(shop, listing.pk, set_to=0)
    for ws in (first, second):
        messages = [await receive(ws) for _ in range(3)]
        assert [m["type"] for m in messages] == ["stock"] * 3
        assert [m["version"] for m in messages] == [2, 3, 4]
        assert [m["listing"]["available"] for m in messages] == [9, 7, 0]
        assert messages[-1]["listing"]["status"] == "sold_out"
        assert await ws.receive_nothing(timeout=0.1)
        await ws.disconnect()


async def test_resync_replays_missed_versions_from_the_log():
    shop, listing = await make_shop_with_listing()
    ws = await connect(shop.slug)
    await receive(ws)
    for _ in range(3):
        await adjust(shop, listing.pk, delta=-1)
    for _ in range(3):
        await receive(ws)
    await ws.send_to(text_data=json.dumps({"type": "resync", "version": 1}))
    replay = [await receive(ws) for _ in range(3)]
    assert [m["version"] for m in replay] == [2, 3, 4]
    assert [m["listing"]["available"] for m in replay] == [9, 8, 7]
    await ws.send_to(text_data=json.dumps({"type": "resync", "version": 4}))
    assert await ws.receive_nothing(timeout=0.2)
    await ws.disconnect()


async def test_resync_older_than_the_log_gets_a_snapshot():
    shop, listing = await make_shop_with_listing()
    ws = await connect(shop.slug)
    await receive(ws)
    await adjust(shop, listing.pk, delta=-4)
    await receive(ws)
    await sync_to_async(StockEvent.objects.filter(shop=shop, version__lte=1).delete)()
    await ws.send_to(text_data=json.dumps({"type": "resync", "version": 0}))
    message = await receive(ws)
    assert message["type"] == "snapshot"
    assert message["version"] == 2
    assert message["listings"][0]["available"] == 6
    await ws.disconnect()


async def test_resync_from_the_future_gets_a_snapshot():
    shop, _listing = await make_shop_with_listing()
    ws = await connect(shop.slug)
    await receive(ws)
    await ws.send_to(text_data=json.dumps({"type": "resync", "version": 999}))
    message = await receive(ws)
    assert (message["type"], message["version"]) == ("snapshot", 1)
    await ws.disconnect()


async def test_a_gap_in_delivery_is_filled_from_the_log_in_order():
    """A broadcast that never arrived (at-most-once delivery) is replayed before the next."""
    shop, listing = await make_shop_with_listing()
    ws = await connect(shop.slug)
    await receive(ws)
    # v2 is committed but its broadcast is lost.
    await sync_to_async(_adjust_without_broadcast)(shop, listing.pk)
    await adjust(shop, listing.pk, delta=-1)
    messages = [await receive(ws), await receive(ws)]
    assert [m["version"] for m in messages] == [2, 3]
    assert [m["listing"]["available"] for m in messages] == [9, 8]
    await ws.disconnect()


def _adjust_without_broadcast(shop: Shop, listing_id: int) -> None:
    from unittest import mock

    with mock.patch.object(services, "publish_stock_message"):
        services.adjust_stock(shop=shop, listing_id=listing_id, delta=-1)


async def test_late_broadcast_of_an_old_version_is_not_sent_twice():
    shop, listing = await make_shop_with_listing()
    ws = await connect(shop.slug)
    await receive(ws)
    await adjust(shop, listing.pk, delta=-1)
    stale = await receive(ws)
    from channels.layers import get_channel_layer

    await get_channel_layer().group_send(
        f"shop.{shop.pk}", {"type": "realtime.message", "message": stale}
    )
    assert await ws.receive_nothing(timeout=0.2)
    await ws.disconnect()


async def test_rolled_back_change_is_never_sent():
    shop, listing = await make_shop_with_listing()
    ws = await connect(shop.slug)
    await receive(ws)

    @sync_to_async
    def change_then_fail():
        from django.db import transaction

        with pytest.raises(RuntimeError), transaction.atomic():
            services.adjust_stock(shop=shop, listing_id=listing.pk, delta=-5)
            raise RuntimeError("payment of the POS failed")

    await change_then_fail()
    assert await ws.receive_nothing(timeout=0.3)
    await ws.disconnect()


async def test_unknown_shop_closes_with_4404():
    communicator = WebsocketCommunicator(application, "/ws/shops/no-such-shop/", headers=ORIGIN)
    connected, _ = await communicator.connect()
    assert connected
    closed = await communicator.receive_output(timeout=2)
    assert closed == {"type": "websocket.close", "code": 4404}


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ("not json", "malformed_json"),
        ("[1, 2]", "malformed_message"),
        ('{"version": 1}', "malformed_message"),
        ('{"type": "dance"}', "unknown_type"),
        ('{"type": "resync", "version": "1"}', "invalid_version"),
        ('{"type": "resync", "version": -1}', "invalid_version"),
        ('{"type": "resync", "version": true}', "invalid_version"),
        ('{"type": "resync", "version": 1.5}', "invalid_version"),
        ("x" * 5000, "malformed_message"),
    ],
)
async def test_malformed_client_message_gets_an_error_and_the_socket_stays_open(frame, code):
    shop, listing = await make_shop_with_listing()
    ws = await connect(shop.slug)
    await receive(ws)
    await ws.send_to(text_data=frame)
    assert await receive(ws) == {"type": "error", "code": code}
    await adjust(shop, listing.pk, delta=-1)
    assert (await receive(ws))["version"] == 2
    await ws.disconnect()


async def test_heartbeat_carries_the_current_version():
    shop, listing = await make_shop_with_listing()
    with override_settings(LIVESTOCK_HEARTBEAT_SECONDS=0.2):
        ws = await connect(shop.slug)
        await receive(ws)
        await sync_to_async(_adjust_without_broadcast)(shop, listing.pk)
        heartbeat = await receive(ws, timeout=3)
        assert heartbeat == {"type": "heartbeat", "version": 2}
        await ws.disconnect()


async def test_foreign_origin_is_refused_and_missing_origin_allowed():
    shop, _listing = await make_shop_with_listing()
    evil = WebsocketCommunicator(
        application, f"/ws/shops/{shop.slug}/", headers=[(b"origin", b"https://evil.example")]
    )
    connected, _ = await evil.connect()
    assert not connected
    tool = await connect(shop.slug, headers=[])
    assert (await receive(tool))["type"] == "snapshot"
    await tool.disconnect()


async def test_concurrent_writers_reach_a_subscriber_gap_free_and_in_order():
    shop, listing = await make_shop_with_listing()
    ws = await connect(shop.slug)
    await receive(ws)

    await asyncio.gather(*(adjust(shop, listing.pk, delta=-1) for _ in range(8)))
    versions = [(await receive(ws))["version"] for _ in range(8)]
    assert versions == list(range(2, 10))
    await ws.disconnect()
