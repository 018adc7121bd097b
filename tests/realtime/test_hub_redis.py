"""The hub over RedisPubSubChannelLayer, against a redis-server of its own on a free port.

The test stops and restarts that server, which it could not do to a shared one.
"""

from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator

import pytest
from channels_redis.pubsub import RedisPubSubChannelLayer
from redis import asyncio as aioredis

from realtime import hub as live_hub
from tests.realtime.fakes import GROUP, SHOP, FakeStock, Socket

pytestmark = [
    pytest.mark.redis,
    pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server"),
]


class RedisServer:
    def __init__(self) -> None:
        self.dir = tempfile.mkdtemp(prefix="dongne5km-redis-")
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        self.port = probe.getsockname()[1]
        probe.close()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                self.dir,
            ],
            stdout=subprocess.DEVNULL,
        )

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    async def ready(self) -> None:
        client = aioredis.from_url(self.url)
        try:
            for _ in range(100):
                try:
                    await client.ping()
                    return
                except Exception:
                    await asyncio.sleep(0.05)
            raise RuntimeError("redis-server did not start")
        finally:
            await client.aclose()


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    server = RedisServer()
    server.start()
    yield server
    server.stop()
    shutil.rmtree(server.dir, ignore_errors=True)


def make_layer(url: str) -> RedisPubSubChannelLayer:
    # The host options the settings use for REDIS_URL.
    return RedisPubSubChannelLayer(
        hosts=[{"address": url, "socket_timeout": None, "max_connections": 1000}],
        prefix="hubtest",
    )


async def subscribers(url: str, group: str) -> int:
    client = aioredis.from_url(url)
    try:
        [(_name, count)] = await client.pubsub_numsub(f"hubtest__group__{group}")
        return count
    finally:
        await client.aclose()


async def wait_for(condition, timeout: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await condition():
        assert loop.time() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def publish(layer: RedisPubSubChannelLayer, message: dict) -> None:
    await layer.group_send(GROUP, {"type": "realtime.message", "message": message})


async def test_one_redis_subscription_per_shop_and_process(redis_server):
    await redis_server.ready()
    stock = FakeStock()
    layer, other_process = make_layer(redis_server.url), make_layer(redis_server.url)
    joined = []
    for _ in range(3):
        sock = Socket()
        hub, member = await live_hub.join(stock.stream, sock.send, layer=layer)
        version, frame = await hub.snapshot(member)
        await member.send_frame(frame)
        await hub.release(member, version)
        joined.append((hub, member, sock))
    group = GROUP
    assert await subscribers(redis_server.url, group) == 1

    await publish(other_process, stock.commit())

    async def all_got_it() -> bool:
        return all(sock.versions() == [6] for _h, _m, sock in joined)

    await wait_for(all_got_it)
    for hub, member, _sock in joined:
        hub.remove(member)

    async def unsubscribed() -> bool:
        return await subscribers(redis_server.url, group) == 0

    await wait_for(unsubscribed)
    await layer.flush()
    await other_process.flush()


async def test_delivery_resumes_after_redis_restarts(redis_server, settings):
    settings.LIVESTOCK_HEARTBEAT_SECONDS = 0.5
    await redis_server.ready()
    stock = FakeStock()
    layer, other_process = make_layer(redis_server.url), make_layer(redis_server.url)
    sock = Socket()
    hub, member = await live_hub.join(stock.stream, sock.send, layer=layer)
    version, frame = await hub.snapshot(member)
    await member.send_frame(frame)
    await hub.release(member, version)
    await publish(other_process, stock.commit())

    async def got(versions: list[int]):
        async def check() -> bool:
            return sock.versions() == versions

        return check

    await wait_for(await got([6]))

    redis_server.stop()
    lost = stock.commit()  # committed while Redis is down: its publish fails
    with pytest.raises(Exception):  # noqa: B017 - whichever connection error redis-py raises
        await publish(other_process, lost)
    redis_server.start()
    await redis_server.ready()

    # The heartbeat finds version 7 in the log; the subscription itself comes back too.
    await wait_for(await got([6, 7]))

    # Only the re-established subscription can deliver this one: it is not in the log.
    unlogged = {"type": "stock", "shop": SHOP.slug, "version": 8, "listing": {"id": 1}}

    async def delivered_after_restart() -> bool:
        try:
            await publish(other_process, unlogged)
        except Exception:
            return False
        await asyncio.sleep(0.2)
        return sock.versions()[-1] == 8

    await wait_for(delivered_after_restart)
    assert sock.versions() == [6, 7, 8]
    hub.remove(member)
    await asyncio.sleep(0.1)
    await layer.flush()
    await other_process.flush()


async def test_a_failed_subscribe_releases_its_redis_channel(redis_server, monkeypatch):
    await redis_server.ready()
    stock = FakeStock()
    layer = make_layer(redis_server.url)
    real_group_add = layer.group_add
    failures = [ConnectionError("redis went away")]

    async def group_add(group, channel):
        if failures:
            raise failures.pop()
        await real_group_add(group, channel)

    monkeypatch.setattr(layer, "group_add", group_add)
    with pytest.raises(live_hub.HubUnavailable):
        await live_hub.join(stock.stream, Socket().send, layer=layer)

    async def released() -> bool:
        return layer.channels == {}

    await wait_for(released)
    sock = Socket()
    hub, member = await live_hub.join(stock.stream, sock.send, layer=layer)
    assert list(layer.channels) == [hub.channel_name]
    hub.remove(member)
    await asyncio.sleep(0.1)
    await layer.flush()
