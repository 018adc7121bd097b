"""Frames written straight to daphne's sockets: the bytes, the daphne check, the ordering."""

from __future__ import annotations

import asyncio
import collections
import functools
import json
import socket

import pytest
from daphne.server import Server
from daphne.ws_protocol import WebSocketProtocol
from twisted.internet import abstract, tcp
from websockets.frames import Frame, Opcode
from websockets.streams import StreamReader

from realtime import wire
from realtime.hub import Frame as HubFrame


def parse_frames(data: bytes) -> list[Frame]:
    """Parse server frames with the ``websockets`` library's own (strict) parser."""
    reader = StreamReader()
    reader.feed_data(data)
    reader.feed_eof()
    frames = []
    while reader.buffer:
        parser = Frame.parse(reader.read_exact, mask=False)
        try:
            while True:
                next(parser)
        except StopIteration as done:
            frames.append(done.value)
    return frames


@pytest.mark.parametrize("length", [0, 1, 125, 126, 127, 65_535, 65_536, 70_000])
def test_text_frame_is_one_final_unmasked_text_frame(length):
    text = ("단감" * length)[:length]
    [frame] = parse_frames(wire.text_frame(text))
    assert frame.opcode == Opcode.TEXT
    assert frame.fin is True
    assert frame.data.decode("utf-8") == text


def test_a_hub_frame_carries_the_same_text_as_its_asgi_event():
    message = {"type": "stock", "version": 7, "listing": {"id": 3, "name": "단감 <반팩>"}}
    frame = HubFrame.build("stock", 7, message)
    [parsed] = parse_frames(frame.wire)
    assert parsed.data.decode() == frame.event["text"]
    assert json.loads(frame.event["text"]) == message


# --- recognising daphne's socket -------------------------------------------------------------


class Reactor:
    """Just what a Twisted transport asks of its reactor when it has something to write."""

    def __init__(self) -> None:
        self.writers: set = set()

    def addWriter(self, writer) -> None:
        self.writers.add(writer)

    def removeWriter(self, writer) -> None:
        self.writers.discard(writer)


@pytest.fixture
def socket_pair():
    server_side, client_side = socket.socketpair()
    yield server_side, client_side
    server_side.close()
    client_side.close()


def daphne_socket(server_side: socket.socket) -> tuple[WebSocketProtocol, tcp.Connection]:
    """A daphne WebSocket protocol in the open state on a real Twisted TCP transport."""
    transport = tcp.Connection(server_side, None, reactor=Reactor())
    transport.connected = 1
    protocol = WebSocketProtocol()
    protocol.state = WebSocketProtocol.STATE_OPEN
    protocol._perMessageCompress = None
    protocol.send_queue = collections.deque()
    protocol.transport = transport
    return protocol, transport


async def daphne_send(protocol: WebSocketProtocol, middleware=None):
    """The ``send`` daphne's own ``Server.create_application`` hands to the application
    (through ``middleware`` when given, as the project's ASGI stack wraps it)."""
    captured = {}

    async def application(scope, receive, send):
        captured["send"] = send

    server = Server.__new__(Server)
    server.application = middleware(application) if middleware else application
    server.connections = {protocol: {}}
    server.create_application(protocol, {"type": "websocket"})
    await server.connections[protocol]["application_instance"]
    return captured["send"]


async def test_daphne_sockets_are_written_directly(socket_pair):
    server_side, client_side = socket_pair
    protocol, _transport = daphne_socket(server_side)
    write = wire.direct_writer(await daphne_send(protocol))
    assert write is not None

    assert write(wire.text_frame("단감 200팩"))
    [frame] = parse_frames(client_side.recv(1024))
    assert frame.data.decode() == "단감 200팩"


async def test_other_sends_are_left_to_asgi(socket_pair):
    server_side, _client = socket_pair
    protocol, transport = daphne_socket(server_side)

    async def plain_send(message):
        pass

    assert wire.direct_writer(plain_send) is None
    assert wire.direct_writer(functools.partial(plain_send)) is None
    assert wire.direct_writer(lambda message: None) is None

    compressed, _ = daphne_socket(server_side)
    compressed._perMessageCompress = object()
    assert wire.direct_writer(await daphne_send(compressed)) is None

    connecting, _ = daphne_socket(server_side)
    connecting.state = WebSocketProtocol.STATE_CONNECTING
    assert wire.direct_writer(await daphne_send(connecting)) is None

    transport.TLS = True
    assert wire.direct_writer(await daphne_send(protocol)) is None


async def test_a_socket_no_longer_open_is_refused_so_asgi_can_close_it(socket_pair):
    server_side, _client = socket_pair
    protocol, transport = daphne_socket(server_side)
    write = wire.direct_writer(await daphne_send(protocol))
    assert write is not None

    protocol.state = WebSocketProtocol.STATE_CLOSING
    assert write(b"x") is False
    protocol.state = WebSocketProtocol.STATE_OPEN
    protocol.send_queue.append((b"held back by autobahn", False))
    assert write(b"x") is False
    protocol.send_queue.clear()
    transport.disconnecting = True
    assert write(b"x") is False
    transport.disconnecting = False
    transport.connected = 0
    assert write(b"x") is False


async def test_a_reset_peer_is_refused(socket_pair):
    server_side, client_side = socket_pair
    protocol, _transport = daphne_socket(server_side)
    write = wire.direct_writer(await daphne_send(protocol))
    client_side.close()
    results = {write(wire.text_frame("x" * 1000)) for _ in range(50)}
    assert False in results


# --- ordering when the peer reads slowly -------------------------------------------------------


def read_available(sock: socket.socket) -> bytes:
    sock.setblocking(False)
    chunks = []
    while True:
        try:
            chunk = sock.recv(1 << 16)
        except BlockingIOError:
            return b"".join(chunks)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


async def test_frames_stay_in_order_when_the_socket_is_full(socket_pair):
    """Once the kernel buffer is full the rest queues in Twisted, and later frames queue
    behind it (never straight to the socket) until Twisted has written everything."""
    server_side, client_side = socket_pair
    server_side.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
    client_side.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    protocol, transport = daphne_socket(server_side)
    write = wire.direct_writer(await daphne_send(protocol))

    texts = [json.dumps({"version": n, "text": "단감" * 300}) for n in range(400)]
    for text in texts[:200]:
        assert write(wire.text_frame(text))
    assert transport._tempDataBuffer, "the socket should have filled up"
    assert transport in transport.reactor.writers

    received = read_available(client_side)
    for text in texts[200:]:
        assert write(wire.text_frame(text))
    # What Twisted does when the socket is writable again, until its buffers are empty.
    for _ in range(10_000):
        if transport not in transport.reactor.writers:
            break
        transport.doWrite()
        received += read_available(client_side)
        await asyncio.sleep(0)
    received += read_available(client_side)

    assert [frame.data.decode() for frame in parse_frames(received)] == texts


async def test_a_transport_without_the_expected_buffers_is_left_to_asgi(socket_pair, monkeypatch):
    server_side, _client = socket_pair
    protocol, transport = daphne_socket(server_side)
    monkeypatch.delattr(abstract.FileDescriptor, "dataBuffer")
    assert wire.direct_writer(await daphne_send(protocol)) is None


async def test_the_projects_send_guard_keeps_daphne_sockets_written_directly(socket_pair):
    """config.asgi wraps every socket's send so a send after close is dropped quietly; the
    hub must still recognise the daphne socket behind it, or every frame goes through ASGI."""
    from config import asgi

    server_side, client_side = socket_pair
    protocol, _transport = daphne_socket(server_side)
    send = await daphne_send(protocol, asgi.IgnoreSendsAfterClose)
    write = wire.direct_writer(send)
    assert write is not None
    assert write(wire.text_frame("단감 3"))
    [frame] = parse_frames(client_side.recv(1024))
    assert frame.data.decode() == "단감 3"


async def test_the_prepared_path_sends_the_same_frame_through_autobahn(socket_pair, settings):
    """REALTIME_WRITE_PATH=prepared (the public API the benchmark compares) writes the very
    frame the direct path writes."""
    settings.REALTIME_WRITE_PATH = "prepared"
    server_side, client_side = socket_pair
    protocol, transport = daphne_socket(server_side)
    sent = []
    protocol.sendData = lambda data, sync=False, chopsize=None: sent.append(data)
    write = wire.direct_writer(await daphne_send(protocol))
    assert write.func is wire.write_prepared
    for text in ("단감 3", "x" * 300, "y" * 70_000):
        frame = wire.text_frame(text)
        assert write(frame)
        assert sent[-1] == frame
    settings.REALTIME_WRITE_PATH = "asgi"
    assert wire.direct_writer(await daphne_send(protocol)) is None
