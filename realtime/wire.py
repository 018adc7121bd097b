"""Writing one pre-built WebSocket frame to many daphne sockets.

Sending through ASGI costs each socket a coroutine, daphne's reply routing, autobahn's framing
of the same text again and Twisted's write scheduling (register the socket for writing, wait a
loop turn, send, unregister). For a hub writing one change to thousands of sockets that is
most of the server's work, so the hub frames the text once (:func:`text_frame`) and, where the
socket is a plain daphne connection, writes those bytes itself (:func:`direct_writer`):
straight to the socket when Twisted has nothing queued for it, otherwise behind what is queued,
so frames never overtake each other. Anything else (another ASGI server, a test communicator,
TLS terminated in daphne, compression) goes through the ordinary ASGI ``send``.

This is the one module that knows daphne's, autobahn's and Twisted's internals (verified
against the versions pinned in pyproject.toml); :class:`IgnoreSendsAfterClose` is here too,
since it catches autobahn's exception and must keep daphne's ``send`` recognisable.
"""

from __future__ import annotations

import functools
import logging
import socket
import struct
from collections.abc import Callable
from typing import Any

try:
    from autobahn.exception import Disconnected as _Disconnected
    from autobahn.websocket.protocol import PreparedMessage as _PreparedMessage
    from autobahn.websocket.protocol import WebSocketProtocol as _AutobahnProtocol
    from daphne.server import Server as _DaphneServer
    from daphne.ws_protocol import WebSocketProtocol as _DaphneWebSocket
    from twisted.internet.tcp import Connection as _TcpConnection
except ImportError:  # pragma: no cover - daphne is a dependency, but ASGI does not need it
    _DaphneServer = _DaphneWebSocket = _TcpConnection = _AutobahnProtocol = None
    _PreparedMessage = None

    class _Disconnected(Exception):  # type: ignore[no-redef]
        pass


logger = logging.getLogger(__name__)

Writer = Callable[[bytes], bool]

# What write_frame reads of a Twisted TCP transport (its write buffers and connection state).
_TRANSPORT_STATE = (
    "socket",
    "connected",
    "disconnecting",
    "_writeDisconnected",
    "_tempDataBuffer",
    "dataBuffer",
    "offset",
)

_FIN_TEXT = 0x81


def text_frame(text: str) -> bytes:
    """An unmasked, unfragmented server-to-client text frame (RFC 6455 §5.2)."""
    payload = text.encode("utf-8")
    length = len(payload)
    if length < 126:
        header = struct.pack("!BB", _FIN_TEXT, length)
    elif length < 1 << 16:
        header = struct.pack("!BBH", _FIN_TEXT, 126, length)
    else:
        header = struct.pack("!BBQ", _FIN_TEXT, 127, length)
    return header + payload


# How the hub writes a frame to a daphne socket (setting REALTIME_WRITE_PATH): "direct"
# (the frame's bytes to the socket, see write_frame), "prepared" (autobahn's public
# PreparedMessage / sendPreparedMessage, which goes through Twisted's write scheduling) or
# "asgi" (no writer: every frame through the socket's ASGI send). bench/fanout.py compares
# them; docs/performance.md has the figures that chose the default.
WRITE_PATHS = ("direct", "prepared", "asgi")


def write_path() -> str:
    from django.conf import settings

    path = getattr(settings, "REALTIME_WRITE_PATH", "direct")
    return path if path in WRITE_PATHS else "direct"


def direct_writer(send: Any) -> Writer | None:
    """A function writing frame bytes to the socket behind ``send``, or None if not daphne's.

    The writer returns False when the socket is no longer open; the caller then falls back to
    ``send``, which knows how to treat a closing socket.
    """
    if isinstance(send, SendWhileOpen):
        send = send.send
    path = write_path()
    if path == "asgi":
        return None
    if _DaphneServer is None or not isinstance(send, functools.partial):
        return None
    if send.keywords or len(send.args) != 1:
        return None
    if getattr(send.func, "__func__", None) is not _DaphneServer.handle_reply:
        return None
    protocol = send.args[0]
    if not isinstance(protocol, _DaphneWebSocket):
        return None
    if protocol.state != _AutobahnProtocol.STATE_OPEN or protocol._perMessageCompress is not None:
        return None
    if not hasattr(protocol, "send_queue"):
        return None
    transport = protocol.transport
    if not isinstance(transport, _TcpConnection) or getattr(transport, "TLS", False):
        return None
    if path == "prepared":
        return functools.partial(write_prepared, protocol)
    if not all(hasattr(transport, name) for name in _TRANSPORT_STATE):
        return None
    return functools.partial(write_frame, protocol, transport, transport.socket)


_last_prepared: tuple[bytes, Any] | None = None


def _prepared(frame: bytes) -> Any:
    """autobahn's PreparedMessage for ``frame``, made once for all the sockets it goes to."""
    global _last_prepared
    if _last_prepared is None or _last_prepared[0] is not frame:
        length = frame[1] & 0x7F
        start = 2 if length < 126 else 4 if length == 126 else 10
        _last_prepared = (frame, _PreparedMessage(frame[start:], False, False, True))
    return _last_prepared[1]


def write_prepared(protocol: Any, frame: bytes) -> bool:
    """Send ``frame`` through autobahn's public prepared-message API."""
    if protocol.state != _AutobahnProtocol.STATE_OPEN:
        return False
    protocol.sendPreparedMessage(_prepared(frame))
    return True


def write_frame(protocol: Any, transport: Any, sock: socket.socket, frame: bytes) -> bool:
    """Write ``frame`` to an open socket, after whatever Twisted still has queued for it."""
    if protocol.state != _AutobahnProtocol.STATE_OPEN or protocol.send_queue:
        # Closing, or autobahn holds frames of its own back: its path keeps the order.
        return False
    if not transport.connected or transport.disconnecting or transport._writeDisconnected:
        return False
    if transport._tempDataBuffer or len(transport.dataBuffer) > transport.offset:
        transport.write(frame)
        return True
    try:
        sent = sock.send(frame)
    except (BlockingIOError, InterruptedError):
        sent = 0
    except OSError:
        return False
    if sent < len(frame):
        transport.write(frame[sent:])
    return True


class SendWhileOpen:
    """An ASGI ``send`` that drops a message for a client that has already gone (daphne's
    protocol raises autobahn's ``Disconnected`` for it) instead of raising it out of the
    consumer; the consumer's own ``websocket.disconnect`` follows and ends it as usual. It
    keeps the ``send`` it wraps, so :func:`direct_writer` still recognises daphne's."""

    __slots__ = ("send",)

    def __init__(self, send: Any) -> None:
        self.send = send

    async def __call__(self, message: dict[str, Any]) -> None:
        try:
            await self.send(message)
        except _Disconnected:
            logger.debug("dropped %s for a websocket that had closed", message["type"])


class IgnoreSendsAfterClose:
    """ASGI middleware giving every consumer's sends a :class:`SendWhileOpen`."""

    def __init__(self, application: Any) -> None:
        self.application = application

    async def __call__(self, scope: Any, receive: Any, send: Any) -> Any:
        return await self.application(scope, receive, SendWhileOpen(send))
