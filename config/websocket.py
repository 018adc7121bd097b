"""The websocket front door: the origin check and a clean refusal for unknown paths."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from django.conf import settings
from django.http.request import split_domain_port, validate_host

logger = logging.getLogger(__name__)

DEFAULT_PORTS = {"http": 80, "https": 443}


def _origin_tuple(value: str) -> tuple[str, str, int] | None:
    """``scheme://host[:port]`` → (scheme, host, port) with the default port filled in."""
    try:
        parts = urlsplit(value.strip())
        scheme = parts.scheme.lower()
        host = (parts.hostname or "").lower()
        port = parts.port
    except ValueError:
        return None
    if scheme not in DEFAULT_PORTS or not host or parts.path not in ("", "/"):
        return None
    return scheme, host, port or DEFAULT_PORTS[scheme]


def _header(scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return value.decode("latin1")
    return None


def site_origin(scope) -> tuple[str, str, int] | None:
    """The origin this socket was opened on: the Host header and the scheme the client used.

    Behind a TLS proxy the scheme comes from SECURE_PROXY_SSL_HEADER (as Django does for
    HTTP), since daphne does not put it into a websocket scope.
    """
    host = _header(scope, b"host")
    if not host:
        return None
    scheme = "https" if scope.get("scheme") in ("wss", "https") else "http"
    proxy_header = getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
    if proxy_header:
        name, secure_value = proxy_header
        forwarded = _header(scope, name.removeprefix("HTTP_").replace("_", "-").lower().encode())
        if forwarded is not None:
            scheme = "https" if forwarded.split(",")[0].strip() == secure_value else "http"
    return _origin_tuple(f"{scheme}://{host}")


class AllowedHostsOriginValidator:
    """Accept a websocket only from the site's own origin: scheme, host *and* port.

    Channels' AllowedHostsOriginValidator compares the Origin's host with ALLOWED_HOSTS
    only, so ``http://site:8080`` or ``http://site`` could open a socket on
    ``https://site``. Here the Origin must equal the origin the socket was opened on (the
    Host header and the client's scheme) and that host must be allowed, or be listed in
    CSRF_TRUSTED_ORIGINS. A handshake without ``Origin`` passes: browsers always send it,
    so a cross-site page can never omit it; clients that omit it (integrations, monitors,
    command-line tools) are not a cross-site risk.
    """

    def __init__(self, application) -> None:
        self.application = application

    async def __call__(self, scope, receive, send):
        if scope["type"] == "websocket" and not self.valid(scope):
            return await refuse_websocket(scope, receive, send)
        return await self.application(scope, receive, send)

    def valid(self, scope) -> bool:
        origin_header = _header(scope, b"origin")
        if origin_header is None:
            return True
        origin = _origin_tuple(origin_header)
        if origin is None:
            return False
        trusted = {_origin_tuple(item) for item in settings.CSRF_TRUSTED_ORIGINS}
        if origin in trusted:
            return True
        if _header(scope, b"host") is None:
            # HTTP/1.1 clients (every browser) always send Host; without one there is no
            # site origin to compare with, so only the host is checked, as Channels does.
            return validate_host(origin[1], settings.ALLOWED_HOSTS)
        site = site_origin(scope)
        if site is None or origin != site:
            return False
        domain, _port = split_domain_port(_header(scope, b"host") or "")
        return bool(domain) and validate_host(domain, settings.ALLOWED_HOSTS)


async def refuse_websocket(scope, receive, send) -> None:
    """Refuse the handshake (HTTP 403) quietly: a foreign origin or a path nothing serves."""
    while True:
        message = await receive()
        if message["type"] == "websocket.connect":
            await send({"type": "websocket.close", "code": 1000})
        elif message["type"] == "websocket.disconnect":
            return
