"""One subscription per stream per process, fanned out to every local socket.

A stream is a channel-layer group whose messages carry a version that grows by exactly one
per committed change (a shop's stock, a shop's reservations, one reservation...). The domain
app that owns a stream describes it as a :class:`Stream`: its group and the reads that answer
for it (the committed version, the messages after a version, a fresh snapshot). The hub knows
nothing else about it.

A popular shop can have thousands of sockets open on one daphne process. Giving each its
own channel-layer membership makes the layer copy and route every change N times (and the
in-memory layer scans every channel on each receive). Instead each process keeps one
:class:`StreamHub` per stream with open sockets:

* one channel name joined to the stream's group and one receive loop;
* one pump task that puts the messages in version order (filling a gap from the stream's
  log, or sending a fresh snapshot when the log no longer has it), serialises each frame
  once and writes it to every local socket in a plain loop (the frame's bytes straight to a
  daphne socket, see realtime/wire.py; otherwise its ASGI ``send``), yielding to the event
  loop every few hundred sends;
* one heartbeat per stream, which also catches the hub up when a group send was lost.

A socket (a :class:`Member`) is *held* while something of its own that carries a version is
sent to it (the snapshot on connect, a resync answer): frames arriving meanwhile are
buffered and, on release, only those newer than what was sent go out. So a socket that joins
during a burst never misses or repeats a change, and no socket ever gets an older version
after a newer one. :meth:`StreamHub.resync` and :meth:`StreamHub.send_snapshot` are the
only ways a socket's own versioned sends are made.
"""

from __future__ import annotations

import asyncio
import json
import logging
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from channels.layers import get_channel_layer
from django.conf import settings
from django.db import InterfaceError, OperationalError

from realtime import wire
from realtime.publish import MESSAGE as LAYER_MESSAGE

logger = logging.getLogger(__name__)

Send = Callable[[dict[str, Any]], Awaitable[None]]

# The database is away: wait and retry rather than log a crash.
UNAVAILABLE_ERRORS = (OperationalError, InterfaceError)

MESSAGE = "message"
RESET = "snapshot"
HEARTBEAT = "heartbeat"
GAP = "gap"


class HubUnavailable(Exception):
    """The stream's hub could not subscribe to the channel layer; the socket should retry."""


@dataclass(frozen=True, slots=True)
class Frame:
    """One message for every socket, serialised once: as an ASGI ``websocket.send`` and as
    the bytes of a WebSocket frame for the sockets the hub writes to directly."""

    kind: str
    version: int
    event: dict[str, Any]
    wire: bytes
    message: dict[str, Any]

    @classmethod
    def build(cls, kind: str, version: int, message: dict[str, Any]) -> Frame:
        text = json.dumps(message, ensure_ascii=False)
        return cls(
            kind, version, {"type": "websocket.send", "text": text}, wire.text_frame(text), message
        )


@dataclass(frozen=True)
class Reads:
    """The reads a hub needs for one stream, supplied by the app that owns it.

    * ``current_version()``: the committed version (None or 0: nothing yet);
    * ``messages_after(version, until)``: the messages (version, until] in order, each with
      its ``version``; None when they are no longer kept (the client gets a snapshot);
    * ``snapshot()``: a message holding the whole current state and its ``version``.
    """

    current_version: Callable[[], Awaitable[int | None]]
    messages_after: Callable[[int, int], Awaitable[list[dict[str, Any]] | None]]
    snapshot: Callable[[], Awaitable[dict[str, Any]]]


@dataclass(frozen=True)
class Stream:
    """A versioned stream: the group its messages are published to, and its reads."""

    group: str
    reads: Reads


class Member:
    """One local socket of a stream: its ASGI send and the last version it was sent."""

    __slots__ = ("send", "write", "version", "held", "held_at", "buffer", "overflowed", "gone")

    MAX_BUFFERED = 2000

    def __init__(self, send: Send) -> None:
        self.send = send
        self.write = wire.direct_writer(send)
        self.version = 0
        self.held = True
        self.held_at = 0
        self.buffer: list[Frame] = []
        self.overflowed = False
        self.gone = False

    def keep(self, frame: Frame) -> None:
        if len(self.buffer) >= self.MAX_BUFFERED:
            self.buffer.clear()
            self.overflowed = True
        elif not self.overflowed:
            self.buffer.append(frame)

    async def send_frame(self, frame: Frame) -> None:
        if not self.write_directly(frame.wire):
            await self.send(frame.event)

    def write_directly(self, data: bytes) -> bool:
        """Write the frame's bytes to the socket itself; False: send it through ASGI instead.

        A writer that fails in an unexpected way (not the socket closing, which it reports by
        returning False) is given up for this socket rather than taking the socket with it.
        """
        if self.write is None:
            return False
        try:
            return self.write(data)
        except Exception:
            logger.warning(
                "writing a live frame directly failed; this socket goes through ASGI from now on",
                exc_info=True,
            )
            self.write = None
            return False


class StreamHub:
    """The process-local fan-out for one stream. Get one with :func:`join`."""

    YIELD_EVERY = 256
    # How long a later version waits for an earlier one published out of order before the
    # gap is filled from the stream's log.
    GAP_GRACE_SECONDS = 0.05
    # Frames kept to answer a resync without the database (a heartbeat that reveals a
    # lost group send makes every socket of the stream resync at once).
    RECENT_KEPT = 256

    def __init__(self, stream: Stream, layer: Any, registry: dict[str, StreamHub]):
        self.stream = stream
        self.layer = layer
        self.reads = stream.reads
        self.registry = registry
        self.group = stream.group
        self.members: dict[Member, None] = {}
        self.version = 0
        self.channel_name: str | None = None
        self.closed = False
        self._inbox: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
        self._pending: dict[int, dict[str, Any]] = {}
        self._recent: dict[int, Frame] = {}
        self._gap_timer: asyncio.TimerHandle | None = None
        self._tasks: list[asyncio.Task] = []
        self._seq = 0
        self._snapshot_task: asyncio.Task | None = None
        self._snapshot_started = 0
        self.started: asyncio.Task = asyncio.ensure_future(self._start())

    # --- membership ------------------------------------------------------------------------

    def add(self, send: Send) -> Member:
        member = Member(send)
        self.hold(member)
        self.members[member] = None
        return member

    def remove(self, member: Member) -> None:
        member.gone = True
        member.buffer.clear()
        if member not in self.members:
            return
        del self.members[member]
        if not self.members and not self.closed:
            self.close()

    def hold(self, member: Member) -> None:
        """Buffer the hub's frames for ``member`` until :meth:`release`."""
        member.held = True
        member.overflowed = False
        member.held_at = self._seq

    async def release(self, member: Member, version: int) -> bool:
        """The consumer has sent ``member`` everything up to ``version``; send the rest.

        Returns False when so much arrived meanwhile that the buffer was dropped; the
        caller then sends a fresh snapshot.
        """
        if member.overflowed:
            return False
        member.version = max(member.version, version)
        buffer = member.buffer
        while buffer:
            frame = buffer.pop(0)
            if frame.kind != HEARTBEAT and frame.version > member.version:
                member.version = frame.version
                await member.send_frame(frame)
            if member.overflowed:
                return False
        member.held = False
        return True

    # --- snapshot shared by the sockets that join together ---------------------------------

    async def snapshot(self, member: Member) -> tuple[int, Frame]:
        """A snapshot read after ``member`` was held; concurrent joiners share one read."""
        while True:
            task = self._snapshot_task
            if (
                task is not None
                and self._snapshot_started > member.held_at
                and not (task.done() and (task.cancelled() or task.exception() is not None))
            ):
                return await asyncio.shield(task)
            if task is None or task.done():
                self._seq += 1
                self._snapshot_started = self._seq
                self._snapshot_task = asyncio.ensure_future(self._read_snapshot())
                continue
            try:
                await asyncio.shield(task)
            except Exception:
                pass

    async def _read_snapshot(self) -> tuple[int, Frame]:
        message = await self.reads.snapshot()
        return message["version"], Frame.build(RESET, message["version"], message)

    # --- lifecycle ---------------------------------------------------------------------------

    async def _start(self) -> None:
        try:
            if self.layer is not None:
                self.channel_name = await self.layer.new_channel()
                # Receiving from the start also means cancelling it releases the channel
                # (the pub/sub layer unsubscribes a channel when its receive is cancelled).
                self._tasks.append(asyncio.ensure_future(self._receive()))
                await asyncio.sleep(0)
                await self.layer.group_add(self.group, self.channel_name)
            self.version = await self.reads.current_version() or 0
        except BaseException:
            self.close()
            raise
        if not self.closed:
            self._tasks += [
                asyncio.ensure_future(self._pump()),
                asyncio.ensure_future(self._heartbeat()),
            ]

    def close(self) -> None:
        """Stop this hub at once; unsubscribing finishes in the background."""
        if self.closed:
            return
        self.closed = True
        if self.registry.get(self.group) is self:
            del self.registry[self.group]
        for task in self._tasks:
            task.cancel()
        if self._gap_timer is not None:
            self._gap_timer.cancel()
        if not self.started.done() and asyncio.current_task() is not self.started:
            self.started.cancel()
        if self._snapshot_task is not None and not self._snapshot_task.done():
            self._snapshot_task.cancel()
        if self.layer is not None and self.channel_name is not None:
            _background(self.layer.group_discard(self.group, self.channel_name))

    async def wait_started(self) -> None:
        try:
            await asyncio.shield(self.started)
        except asyncio.CancelledError:
            if self.started.cancelled():
                raise HubUnavailable(f"hub for {self.group} closed") from None
            raise
        except Exception as exc:
            raise HubUnavailable(f"hub for {self.group} failed to start") from exc

    # --- the loops ---------------------------------------------------------------------------

    async def _receive(self) -> None:
        failures = 0
        while True:
            try:
                event = await self.layer.receive(self.channel_name)
                failures = 0
            except asyncio.CancelledError:
                raise
            except Exception:
                failures += 1
                logger.exception("live receive failed for %s", self.group)
                await asyncio.sleep(min(30.0, 0.5 * 2 ** min(failures, 6)))
                await self._resubscribe()
                continue
            message = event.get("message") if event.get("type") == LAYER_MESSAGE else None
            if isinstance(message, dict) and _is_version(message.get("version")):
                self._inbox.put_nowait((MESSAGE, message))

    async def _resubscribe(self) -> None:
        try:
            await self.layer.group_add(self.group, self.channel_name)
        except Exception:
            logger.warning("live resubscribe failed for %s", self.group)

    async def _heartbeat(self) -> None:
        interval = settings.LIVESTOCK_HEARTBEAT_SECONDS
        while True:
            await asyncio.sleep(interval)
            try:
                if self.layer is not None:
                    # Also renews the membership the in-memory layer expires after a day.
                    await self._resubscribe()
                version = await self.reads.current_version()
            except asyncio.CancelledError:
                raise
            except UNAVAILABLE_ERRORS as exc:
                # The database is away: skip this beat, not all later ones.
                logger.warning("live heartbeat skipped for %s: %s", self.group, exc)
                continue
            except Exception:
                logger.exception("live heartbeat failed for %s", self.group)
                continue
            self._inbox.put_nowait((HEARTBEAT, version or 0))

    async def _pump(self) -> None:
        while True:
            kind, value = await self._inbox.get()
            try:
                await self._handle(kind, value)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if isinstance(exc, UNAVAILABLE_ERRORS):
                    logger.warning("live catch-up waits for the database (%s): %s", self.group, exc)
                else:
                    logger.exception("live pump failed for %s", self.group)
                if self._pending:
                    self._schedule_gap_fill(1.0)

    async def _handle(self, kind: str, value: Any) -> None:
        if kind == MESSAGE:
            version = value["version"]
            if version <= self.version:
                return
            self._pending[version] = value
            await self._drain()
            if self._pending:
                self._schedule_gap_fill(self.GAP_GRACE_SECONDS)
            elif self._gap_timer is not None:
                self._gap_timer.cancel()
                self._gap_timer = None
            return
        # A heartbeat, or a gap that waited long enough: catch up to what is committed. The
        # heartbeat goes first and carries the committed version, as the protocol says; the
        # frames the hub missed follow at once, so clients that resync meanwhile are
        # answered from ``recent_after`` without a database read.
        if kind == GAP:
            self._gap_timer = None
        target = max(self._pending, default=self.version)
        if value is not None:
            target = max(target, value)
            await self.broadcast(
                Frame.build(HEARTBEAT, target, {"type": "heartbeat", "version": target})
            )
        if target > self.version:
            await self._catch_up(target)

    def _schedule_gap_fill(self, delay: float) -> None:
        if self._gap_timer is None and not self.closed:
            self._gap_timer = asyncio.get_running_loop().call_later(
                delay, self._inbox.put_nowait, (GAP, None)
            )

    async def _drain(self) -> None:
        """Send the pending messages that extend the hub's version without a gap."""
        pending = self._pending
        while self.version + 1 in pending:
            message = pending.pop(self.version + 1)
            self.version += 1
            frame = Frame.build(MESSAGE, self.version, message)
            self._remember(frame)
            await self.broadcast(frame)

    def _remember(self, frame: Frame) -> None:
        recent = self._recent
        recent[frame.version] = frame
        if len(recent) > self.RECENT_KEPT:
            del recent[next(iter(recent))]

    def recent_after(self, version: int, until: int | None = None) -> list[Frame] | None:
        """The frames (version, until] (default: up to the hub's), if all are in memory."""
        until = self.version if until is None else until
        if version > until or until > self.version:
            return None
        wanted = range(version + 1, until + 1)
        recent = self._recent
        if any(v not in recent for v in wanted):
            return None
        return [recent[v] for v in wanted]

    async def missed(self, after: int, until: int | None = None) -> list[Frame] | None:
        """The one resync decision: the frames after ``after`` up to ``until`` in order, or
        None when only a fresh snapshot will do.

        ``until`` defaults to what is committed: the hub's own memory answers without the
        database when it holds every frame up to its version.
        """
        if until is None:
            frames = self.recent_after(after)
            if frames is not None:
                return frames
            until = await self.reads.current_version() or 0
        if after > until:
            return None
        frames = self.recent_after(after, until)
        if frames is not None:
            return frames
        messages = await self.reads.messages_after(after, until)
        if messages is None:
            return None
        return [Frame.build(MESSAGE, message["version"], message) for message in messages]

    async def _catch_up(self, until: int) -> None:
        frames = await self.missed(self.version, until)
        if frames is None:
            snapshot = await self.reads.snapshot()
            version = snapshot["version"]
            self._pending = {v: m for v, m in self._pending.items() if v > version}
            if version > self.version:
                self.version = version
                self._recent.clear()
                await self.broadcast(Frame.build(RESET, version, snapshot))
            await self._drain()
            return
        for frame in frames:
            self._pending.setdefault(frame.version, frame.message)
        await self._drain()
        self._pending = {v: m for v, m in self._pending.items() if v > self.version}

    # --- a socket's own versioned sends ------------------------------------------------------

    async def resync(self, member: Member, client_version: int) -> None:
        """Answer a client's resync: every message after its version in order, or a fresh
        snapshot (nothing when the client is already current)."""
        self.hold(member)
        try:
            frames = await self.missed(client_version)
            if frames is None:
                await self.send_snapshot(member, held=True)
                return
            for frame in frames:
                await member.send_frame(frame)
        except BaseException:
            member.held = False
            raise
        sent = max(member.version, frames[-1].version if frames else client_version)
        if not await self.release(member, sent):
            await self.send_snapshot(member)

    async def send_snapshot(self, member: Member, *, held: bool = False) -> None:
        """Send a snapshot read after the hold, then the buffered frames newer than it."""
        if not held:
            self.hold(member)
        while True:
            try:
                version, frame = await self.snapshot(member)
                await member.send_frame(frame)
            except BaseException:
                member.held = False
                raise
            if await self.release(member, version):
                return
            self.hold(member)

    async def broadcast(self, frame: Frame) -> int:
        """Write ``frame`` to every local socket; one that fails is dropped, not waited on."""
        event = frame.event
        data = frame.wire
        version = frame.version
        versioned = frame.kind != HEARTBEAT
        sent = 0
        for member in tuple(self.members):
            if member.gone:
                continue
            if member.held:
                if versioned:
                    member.keep(frame)
                continue
            if versioned:
                if version <= member.version:
                    continue
                member.version = version
            try:
                if not member.write_directly(data):
                    await member.send(event)
            except Exception:
                logger.info(
                    "dropping a live socket of %s whose send failed", self.group, exc_info=True
                )
                self.remove(member)
            sent += 1
            if sent % self.YIELD_EVERY == 0:
                await asyncio.sleep(0)
        return sent


# --- the per-process registry ------------------------------------------------------------

_registries: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, StreamHub]] = (
    weakref.WeakKeyDictionary()
)
_background_tasks: set[asyncio.Task] = set()


def _is_version(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _background(coro: Awaitable[Any]) -> None:
    async def run() -> None:
        try:
            await coro
        except Exception:
            logger.warning("live unsubscribe failed", exc_info=True)

    task = asyncio.ensure_future(run())
    _background_tasks.add(task)
    task.add_done_callback(_background_tasks.discard)


def hubs() -> dict[str, StreamHub]:
    """This event loop's hubs by group."""
    loop = asyncio.get_running_loop()
    registry = _registries.get(loop)
    if registry is None:
        registry = _registries[loop] = {}
    return registry


async def join(stream: Stream, send: Send, *, layer: Any = None) -> tuple[StreamHub, Member]:
    """Attach a socket to its stream's hub, starting the hub if needed.

    The member comes back held: send it the snapshot with
    ``hub.send_snapshot(member, held=True)``. Raises :class:`HubUnavailable` when the hub
    cannot subscribe; the next join retries.
    """
    registry = hubs()
    hub = registry.get(stream.group)
    if hub is None or hub.closed:
        hub = registry[stream.group] = StreamHub(
            stream, layer if layer is not None else get_channel_layer(), registry
        )
    member = hub.add(send)
    try:
        await hub.wait_started()
    except BaseException:
        hub.remove(member)
        raise
    if member.gone:
        raise HubUnavailable(f"socket left {stream.group} while joining")
    return hub, member
