"""The process-local fan-out (realtime/hub.py), driven without a database.

``FakeStock`` stands in for the committed state (version, StockEvent log, snapshot) and can
pause a read half-way, so the races the hub exists for can be played out step by step.
A real ``InMemoryChannelLayer`` carries the group sends.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from channels.layers import InMemoryChannelLayer

from realtime import hub as live_hub
from realtime.hub import HubUnavailable, StreamHub
from tests.realtime.fakes import GROUP, SHOP, CountingLayer, FakeStock, Socket


@pytest.fixture
def stock() -> FakeStock:
    return FakeStock()


@pytest.fixture
def layer() -> CountingLayer:
    return CountingLayer()


async def publish(layer: InMemoryChannelLayer, message: dict[str, Any]) -> None:
    await layer.group_send(GROUP, {"type": "realtime.message", "message": message})


async def settle(rounds: int = 20) -> None:
    for _ in range(rounds):
        await asyncio.sleep(0)


async def connect(
    stock: FakeStock,
    layer: InMemoryChannelLayer,
    socket: Socket | None = None,
) -> tuple[StreamHub, live_hub.Member, Socket]:
    """What the consumer does on connect: join, send a snapshot read after joining, release."""
    socket = socket or Socket()
    hub, member = await live_hub.join(stock.stream, socket.send, layer=layer)
    version, frame = await hub.snapshot(member)
    await member.send_frame(frame)
    assert await hub.release(member, version)
    return hub, member, socket


def assert_in_order_once(socket: Socket, first: int, last: int) -> None:
    shown = socket.shown()
    assert shown == sorted(shown), f"went back in time: {shown}"
    stock_versions = socket.versions()
    assert len(stock_versions) == len(set(stock_versions)), f"repeated: {stock_versions}"
    assert shown[-1] == last
    snapshot = socket.versions("snapshot")[0]
    assert snapshot >= first
    assert stock_versions == list(range(snapshot + 1, last + 1))


# --- joining during a burst ------------------------------------------------------------------


async def test_changes_published_while_the_snapshot_is_read_are_sent_once_after_it(stock, layer):
    _hub, _member, early = await connect(stock, layer)
    entered = stock.pause("snapshot")
    late = Socket()
    joining = asyncio.ensure_future(connect(stock, layer, late))
    await entered.wait()
    # The snapshot read has taken version 5; two changes commit and arrive before it returns.
    await publish(layer, stock.commit())
    await publish(layer, stock.commit())
    await settle()
    assert late.frames == []
    stock.resume("snapshot")
    await joining
    await publish(layer, stock.commit())
    await settle()

    assert late.frames[0] == {
        "type": "snapshot",
        "shop": SHOP.slug,
        "version": 5,
        "listings": [{"id": 1, "available": 100}],
    }
    assert late.versions() == [6, 7, 8]
    assert early.versions() == [6, 7, 8]


async def test_a_change_already_in_the_snapshot_is_not_sent_again(stock, layer):
    await connect(stock, layer)
    late = Socket()
    hub, member = await live_hub.join(stock.stream, late.send, layer=layer)
    # Committed after the socket joined and before its snapshot is read; one group send
    # arrives while the socket is held, the other only after the snapshot went out.
    six, seven = stock.commit(), stock.commit()
    await publish(layer, six)
    await settle()
    version, frame = await hub.snapshot(member)
    await member.send_frame(frame)
    assert await hub.release(member, version)
    await publish(layer, seven)
    await publish(layer, stock.commit())
    await settle()
    assert late.versions("snapshot") == [7]
    assert late.versions() == [8]


async def test_joiners_during_a_burst_see_every_change_once_and_in_order(stock, layer):
    sockets = [Socket() for _ in range(30)]

    async def writer() -> None:
        for _ in range(60):
            await publish(layer, stock.commit())
            await asyncio.sleep(0)

    async def joiner(socket: Socket, delay: int) -> None:
        for _ in range(delay):
            await asyncio.sleep(0)
        await connect(stock, layer, socket)

    await asyncio.gather(writer(), *(joiner(s, i * 3) for i, s in enumerate(sockets)))
    await settle(50)
    for socket in sockets:
        assert_in_order_once(socket, 5, stock.version)


async def test_sockets_joining_during_a_snapshot_read_share_the_next_one(stock, layer):
    await connect(stock, layer)
    reads_before = stock.calls["snapshot"]
    entered = stock.pause("snapshot")
    first = asyncio.ensure_future(connect(stock, layer))
    await entered.wait()
    sockets = [Socket() for _ in range(50)]
    joins = [asyncio.ensure_future(connect(stock, layer, s)) for s in sockets]
    await settle()
    # The read in flight may predate these joins, so they must not use it ...
    assert stock.calls["snapshot"] - reads_before == 1
    stock.resume("snapshot")
    await asyncio.gather(first, *joins)
    # ... but one read after it serves all fifty.
    assert stock.calls["snapshot"] - reads_before == 2
    assert all(s.versions("snapshot") == [5] for s in sockets)


async def test_a_socket_held_through_a_long_burst_gets_a_fresh_snapshot(stock, layer, monkeypatch):
    monkeypatch.setattr(live_hub.Member, "MAX_BUFFERED", 3)
    await connect(stock, layer)
    hub, member, socket = await connect(stock, layer)
    hub.hold(member)
    for _ in range(5):
        await publish(layer, stock.commit())
    await settle()
    assert not await hub.release(member, 5)
    hub.hold(member)
    version, frame = await hub.snapshot(member)
    await member.send_frame(frame)
    assert await hub.release(member, version)
    assert socket.versions("snapshot") == [5, 10]


# --- version order -----------------------------------------------------------------------------


async def test_out_of_order_publication_is_delivered_in_version_order(stock, layer):
    _hub, _member, socket = await connect(stock, layer)
    six, seven, eight = stock.commit(), stock.commit(), stock.commit()
    await publish(layer, eight)
    await publish(layer, six)
    await publish(layer, seven)
    await publish(layer, six)
    await settle()
    assert socket.versions() == [6, 7, 8]
    assert stock.calls["messages_after"] == 0


async def test_a_gap_that_stays_open_is_filled_from_the_log(stock, layer, monkeypatch):
    monkeypatch.setattr(StreamHub, "GAP_GRACE_SECONDS", 0.01)
    _hub, _member, socket = await connect(stock, layer)
    stock.commit()  # its group send is lost
    seven = stock.commit()
    await publish(layer, seven)
    await settle()
    assert socket.versions() == []
    await asyncio.sleep(0.05)
    await publish(layer, stock.commit())
    await settle()
    assert socket.versions() == [6, 7, 8]
    assert stock.calls["messages_after"] == 1


async def test_a_gap_older_than_the_log_sends_everyone_a_snapshot(layer, monkeypatch):
    monkeypatch.setattr(StreamHub, "GAP_GRACE_SECONDS", 0.01)
    stock = FakeStock(kept=2)
    _hub, _member, socket = await connect(stock, layer)
    for _ in range(4):
        stock.commit()
    await publish(layer, stock.commit())
    await asyncio.sleep(0.05)
    await publish(layer, stock.commit())
    await settle()
    assert socket.shown() == [5, 10, 11]
    assert socket.frames[1]["type"] == "snapshot"


async def test_a_lost_last_change_is_caught_up_by_the_heartbeat(stock, layer, settings):
    settings.LIVESTOCK_HEARTBEAT_SECONDS = 0.02
    _hub, _member, socket = await connect(stock, layer)
    stock.commit()  # its group send is lost, and nothing follows it
    for _ in range(100):
        if socket.versions():
            break
        await asyncio.sleep(0.01)
    # The heartbeat tells the committed version; the missing change follows from the log.
    assert socket.frames[1:3] == [{"type": "heartbeat", "version": 6}, stock.log[6]]
    assert stock.calls["messages_after"] == 1


async def test_resyncs_after_a_heartbeat_are_answered_from_memory(stock, layer):
    joined = [await connect(stock, layer) for _ in range(20)]
    hub = joined[0][0]
    for _ in range(3):
        await publish(layer, stock.commit())
    await settle()
    reads_before = dict(stock.calls)
    assert [f.version for f in hub.recent_after(5)] == [6, 7, 8]
    assert hub.recent_after(8) == []
    assert hub.recent_after(9) is None
    assert hub.recent_after(4) is None
    assert stock.calls == reads_before


async def test_heartbeat_reads_the_version_once_per_shop_not_per_socket(stock, layer, settings):
    settings.LIVESTOCK_HEARTBEAT_SECONDS = 0.05
    sockets = [(await connect(stock, layer))[2] for _ in range(20)]
    reads_before = stock.calls["current_version"]
    while not all(s.versions("heartbeat") for s in sockets):
        await asyncio.sleep(0.01)
    assert stock.calls["current_version"] - reads_before <= 2
    assert all(s.versions("heartbeat")[0] == 5 for s in sockets)


# --- a broken socket ---------------------------------------------------------------------------


async def test_a_send_that_raises_drops_that_socket_only(stock, layer):
    hub, _m, first = await connect(stock, layer)
    broken = Socket()
    _hub, broken_member, _s = await connect(stock, layer, broken)
    _hub, _m, last = await connect(stock, layer)
    broken.fail = True
    await publish(layer, stock.commit())
    await publish(layer, stock.commit())
    await settle()
    assert first.versions() == [6, 7]
    assert last.versions() == [6, 7]
    assert broken_member not in hub.members
    assert len(hub.members) == 2


async def test_a_socket_leaving_mid_broadcast_does_not_stop_delivery(stock, layer, monkeypatch):
    monkeypatch.setattr(StreamHub, "YIELD_EVERY", 2)
    joined = [await connect(stock, layer) for _ in range(10)]
    hub = joined[0][0]

    async def leave_during_broadcast() -> None:
        await asyncio.sleep(0)
        for _hub, member, _socket in joined[3:6]:
            hub.remove(member)

    await publish(layer, stock.commit())
    await asyncio.gather(leave_during_broadcast(), settle())
    await publish(layer, stock.commit())
    await settle()
    for _hub, _member, socket in joined[:3] + joined[6:]:
        assert socket.versions() == [6, 7]


# --- subscription lifecycle ------------------------------------------------------------------


async def test_one_subscription_per_shop_however_many_sockets(stock, layer):
    joined = [await connect(stock, layer) for _ in range(25)]
    assert {id(hub) for hub, _m, _s in joined} == {id(joined[0][0])}
    assert (layer.new_channels, layer.group_adds) == (1, 1)
    assert list(layer.groups[GROUP]) == [joined[0][0].channel_name]


async def test_the_last_socket_leaving_tears_the_hub_down(stock, layer):
    joined = [await connect(stock, layer) for _ in range(3)]
    hub = joined[0][0]
    for _hub, member, _socket in joined[:2]:
        hub.remove(member)
    assert not hub.closed and live_hub.hubs() == {GROUP: hub}
    hub.remove(joined[2][1])
    assert hub.closed and live_hub.hubs() == {}
    await settle()
    assert layer.group_discards == 1
    assert GROUP not in layer.groups
    assert all(task.done() for task in hub._tasks)

    again, _member, socket = await connect(stock, layer)
    assert again is not hub and layer.group_adds == 2
    await publish(layer, stock.commit())
    await settle()
    assert socket.versions() == [6]


async def test_a_failing_subscribe_is_retried_by_the_next_socket(stock):
    layer = CountingLayer(fail_group_add=1)
    with pytest.raises(HubUnavailable):
        await connect(stock, layer)
    assert live_hub.hubs() == {}
    _hub, _member, socket = await connect(stock, layer)
    await publish(layer, stock.commit())
    await settle()
    assert socket.versions() == [6]


async def test_every_socket_waiting_on_a_failing_subscribe_is_told(stock):
    layer = CountingLayer(fail_group_add=1)
    layer.group_add_gate = asyncio.Event()
    joins = [asyncio.ensure_future(connect(stock, layer)) for _ in range(3)]
    await settle()
    layer.group_add_gate.set()
    results = await asyncio.gather(*joins, return_exceptions=True)
    assert all(isinstance(r, HubUnavailable) for r in results)
    assert live_hub.hubs() == {}


async def test_a_socket_leaving_while_the_subscribe_is_pending(stock):
    layer = CountingLayer()
    layer.group_add_gate = asyncio.Event()
    leaving = asyncio.ensure_future(connect(stock, layer))
    staying_socket = Socket()
    staying = asyncio.ensure_future(connect(stock, layer, staying_socket))
    await settle()
    leaving.cancel()
    await settle()
    assert leaving.cancelled()
    hub = live_hub.hubs()[GROUP]
    assert len(hub.members) == 1
    layer.group_add_gate.set()
    await staying
    await publish(layer, stock.commit())
    await settle()
    assert staying_socket.versions() == [6]


async def test_the_only_socket_leaving_while_pending_closes_the_hub(stock):
    layer = CountingLayer()
    layer.group_add_gate = asyncio.Event()
    leaving = asyncio.ensure_future(connect(stock, layer))
    await settle()
    hub = live_hub.hubs()[GROUP]
    leaving.cancel()
    await settle()
    assert hub.closed and live_hub.hubs() == {}
    layer.group_add_gate.set()
    await settle()
    assert not any(hub.channel_name in members for members in layer.groups.values())
    _hub, _member, socket = await connect(stock, layer)
    await publish(layer, stock.commit())
    await settle()
    assert socket.versions() == [6]


async def test_a_direct_writer_that_breaks_falls_back_to_asgi_and_keeps_the_socket(stock, layer):
    hub, member, socket = await connect(stock, layer)
    written: list[bytes] = []

    def broken_writer(data: bytes) -> bool:
        written.append(data)
        raise AttributeError("a transport without the expected buffers")

    member.write = broken_writer
    await publish(layer, stock.commit())
    await publish(layer, stock.commit())
    await settle()
    assert socket.versions() == [6, 7]
    assert member in hub.members and member.write is None
    assert len(written) == 1


async def test_frames_written_directly_are_the_asgi_frames_in_order(stock, layer):
    hub, member, socket = await connect(stock, layer)
    written: list[bytes] = []
    member.write = lambda data: written.append(data) or True
    await publish(layer, stock.commit())
    await publish(layer, stock.commit())
    await settle()
    assert socket.versions() == []
    assert [json.loads(data[2:]) for data in written] == [stock.log[6], stock.log[7]]
