"""Stand-ins for the hub's database reads and sockets (see tests/realtime/test_hub.py)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from channels.layers import InMemoryChannelLayer

from realtime.hub import Reads, Stream
from shops.models import Shop

SHOP = Shop(pk=7, slug="fake-shop")
GROUP = f"shop.{SHOP.pk}"


class FakeStock:
    """Committed stock of one shop; ``pause_*`` make the next read wait for ``resume``."""

    def __init__(self, version: int = 5, kept: int = 100) -> None:
        self.version = version
        self.kept = kept
        self.log: dict[int, dict[str, Any]] = {}
        self.available = 100
        self.calls = {"current_version": 0, "messages_after": 0, "snapshot": 0}
        self.gates: dict[str, asyncio.Event] = {}
        self.entered: dict[str, asyncio.Event] = {}
        self.after_snapshot_read: list[Any] = []

    def commit(self) -> dict[str, Any]:
        """One committed change: bump the version, log it, return its ``stock`` message."""
        self.version += 1
        self.available -= 1
        message = {
            "type": "stock",
            "shop": SHOP.slug,
            "version": self.version,
            "listing": {"id": 1, "available": self.available},
        }
        self.log[self.version] = message
        return message

    def pause(self, name: str) -> asyncio.Event:
        self.gates[name] = asyncio.Event()
        self.entered[name] = asyncio.Event()
        return self.entered[name]

    def resume(self, name: str) -> None:
        self.gates.pop(name).set()

    async def _gate(self, name: str) -> None:
        self.calls[name] += 1
        gate = self.gates.get(name)
        if gate is not None:
            self.entered[name].set()
            await gate.wait()

    async def current_version(self) -> int:
        await self._gate("current_version")
        return self.version

    async def messages_after(self, version: int, until: int):
        await self._gate("messages_after")
        wanted = range(version + 1, until + 1)
        if any(v not in self.log or v <= self.version - self.kept for v in wanted):
            return None
        return [self.log[v] for v in wanted]

    async def snapshot(self) -> dict[str, Any]:
        version, available = self.version, self.available
        await self._gate("snapshot")
        return {
            "type": "snapshot",
            "shop": SHOP.slug,
            "version": version,
            "listings": [{"id": 1, "available": available}],
        }

    @property
    def reads(self) -> Reads:
        return Reads(self.current_version, self.messages_after, self.snapshot)

    @property
    def stream(self) -> Stream:
        return Stream(GROUP, self.reads)


class Socket:
    """A local socket as the hub sees it: an ASGI ``send`` that records the frames."""

    def __init__(self, fail: bool = False) -> None:
        self.frames: list[dict[str, Any]] = []
        self.fail = fail

    async def send(self, event: dict[str, Any]) -> None:
        if self.fail:
            raise ConnectionResetError("socket went away")
        self.frames.append(json.loads(event["text"]))

    def versions(self, kind: str = "stock") -> list[int]:
        return [f["version"] for f in self.frames if f["type"] == kind]

    def shown(self) -> list[int]:
        """What a client would display: the version after each snapshot or stock frame."""
        return [f["version"] for f in self.frames if f["type"] in ("stock", "snapshot")]


class CountingLayer(InMemoryChannelLayer):
    def __init__(self, fail_group_add: int = 0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.new_channels = 0
        self.group_adds = 0
        self.group_discards = 0
        self.fail_group_add = fail_group_add
        self.group_add_gate: asyncio.Event | None = None

    async def new_channel(self, prefix: str = "specific.") -> str:
        self.new_channels += 1
        return await super().new_channel(prefix)

    async def group_add(self, group: str, channel: str) -> None:
        self.group_adds += 1
        if self.group_add_gate is not None:
            await self.group_add_gate.wait()
        if self.fail_group_add:
            self.fail_group_add -= 1
            raise ConnectionError("layer down")
        await super().group_add(group, channel)

    async def group_discard(self, group: str, channel: str) -> None:
        self.group_discards += 1
        await super().group_discard(group, channel)
