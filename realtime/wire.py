"""Writing one pre-built WebSocket frame to many daphne sockets.

Sending through ASGI costs each socket a coroutine, daphne's reply routing, autobahn's framing
of the same text again and Twisted's write scheduling (register the socket for writing, wait a
loop turn, send, unregister). For a hub writing one change to thousands of sockets that is
most of the server's work, so the hub frames the text once (:func:`text_frame`) and, where the
socket is a plain daphne connection, writes those bytes itself (:func:`direct_writer`):
straight to the socket when Twisted has nothing queued for it, otherwise behind what is queued,
so frames never overtake each other. Anything else (another ASGI server, a test communicator,
TLS terminated in daphne, compression) goes through the ordinary ASGI ``send``.
"""

from __future__ import annotations

import functools
import socket
import struct
from collections.abc import Callable
from typing import Any

try:
    from autobahn.websocket.protocol import WebSocketProtocol as _AutobahnProtocol
    from daphne.server import Server as _DaphneServer
    from daphne.ws_protocol import WebSocketProtocol as _DaphneWebSocket
    from twisted.internet.tcp import Connection as _TcpConnection
except ImportError:  # pragma: no cover - daphne is a dependency, but ASGI does not need it
    _DaphneServer = _DaphneWebSocket = _TcpConnection = _AutobahnProtocol = None

Writer = Callable[[bytes], bool]

# What write_frame reads of a Twisted TCP transport (its write buffers and connection state).
_TRANSPORT_STATE = ("socket", "connected", "disconnecting", "_writeDisconnected",
                    "_tempDataBuffer", "dataBuffer", "offset")

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


def direct_writer(send: Any) -> Writer | None:
    """A function writing frame bytes to the socket behind ``send``, or None if not daphne's.

    The writer returns False when the socket is no longer open; the caller then falls back to
    ``send``, which knows how to treat a closing socket.
    """
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
    if not all(hasattr(transport, name) for name in _TRANSPORT_STATE):
        return None
    return functools.partial(write_frame, protocol, transport, transport.socket)


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
