"""A small TCP proxy for fault tests: a stand-in load balancer, or a database link to cut.

``TcpProxy([(host, port), ...])`` listens on a free 127.0.0.1 port and forwards each new
connection to the first upstream that accepts, starting from the next one in turn (round
robin with failover, like nginx's ``upstream`` with several servers). ``outage()`` drops
every open connection and refuses new ones until ``restore()``: what clients see when the
server behind it stops.
"""

from __future__ import annotations

import socket
import threading


class TcpProxy:
    def __init__(self, upstreams: list[tuple[str, int]]) -> None:
        self.upstreams = list(upstreams)
        self._next = 0
        self._down = False
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        self._listener = socket.socket()
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(128)
        self.port = self._listener.getsockname()[1]
        self._closed = False
        threading.Thread(target=self._accept_loop, daemon=True, name="tcpproxy").start()

    @property
    def address(self) -> tuple[str, int]:
        return ("127.0.0.1", self.port)

    def outage(self) -> None:
        with self._lock:
            self._down = True
            sockets = list(self._open)
        for sock in sockets:
            _hard_close(sock)

    def restore(self) -> None:
        with self._lock:
            self._down = False

    def close(self) -> None:
        self._closed = True
        self.outage()
        try:
            self._listener.close()
        except OSError:
            pass

    def _accept_loop(self) -> None:
        while not self._closed:
            try:
                client, _addr = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _connect_upstream(self) -> socket.socket | None:
        with self._lock:
            if self._down:
                return None
            start = self._next
            self._next = (self._next + 1) % max(1, len(self.upstreams))
            order = self.upstreams[start:] + self.upstreams[:start]
        for address in order:
            try:
                return socket.create_connection(address, timeout=5)
            except OSError:
                continue
        return None

    def _serve(self, client: socket.socket) -> None:
        upstream = self._connect_upstream()
        if upstream is None:
            _hard_close(client)
            return
        upstream.settimeout(None)
        with self._lock:
            if self._down:
                _hard_close(client)
                _hard_close(upstream)
                return
            self._open.update((client, upstream))
        threading.Thread(target=self._pump, args=(upstream, client), daemon=True).start()
        self._pump(client, upstream)

    def _pump(self, source: socket.socket, target: socket.socket) -> None:
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                target.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, target):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            with self._lock:
                self._open.discard(source)
                self._open.discard(target)


def _hard_close(sock: socket.socket) -> None:
    """Close with a reset, as a dying server's kernel would."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    except OSError:
        pass
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    try:
        sock.close()
    except OSError:
        pass
