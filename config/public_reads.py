"""The shop JSON reads, answered ahead of Django's request machinery.

``GET /api/shops/<slug>``, ``…/stock?since=`` and ``…/nearby`` carry nothing per visitor, so
a repeat one is sent exactly as the whole stack sent it the first time (every middleware's
headers included), keyed as ``storefront.page_cache`` keys answers: the shop's versions read
by the same one statement, the language, the host, the query and the minute.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from asgiref.sync import sync_to_async
from django.core.exceptions import DisallowedHost
from django.core.handlers.asgi import ASGIRequest
from django.db import DatabaseError, close_old_connections
from django.utils import timezone, translation

from config.middleware import HostileRequestMiddleware
from storefront import page_cache


@dataclass(frozen=True)
class SentAnswer:
    """An answer exactly as it left the whole stack (every middleware's headers included)."""

    status: int
    headers: tuple[tuple[bytes, bytes], ...]
    body: bytes


sent_store = page_cache.Store()


class PublicJSONCacheApp:
    """ASGI in front of Django for ``GET /api/shops/<slug>``, ``…/stock`` and ``…/nearby``.

    These answers carry nothing per visitor, so a repeat one is sent as it was sent the
    first time, with one worker-thread hop for the key (the same one statement) and no
    middleware, URL resolving or view. The key adds to the middleware's the raw forwarded
    headers, so answers behind a proxy stay apart. Anything the stack would refuse (a host
    outside ALLOWED_HOSTS, control characters, a database error) or that is not a complete
    200 answer goes to Django, which answers it as before.
    """

    def __init__(self, app, executor) -> None:
        self.app = app
        self.key_for_scope = sync_to_async(
            self._key_for_scope, thread_sensitive=False, executor=executor
        )

    async def __call__(self, scope, receive, send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] != "GET"
            or not scope["path"].startswith("/api/shops/")
        ):
            await self.app(scope, receive, send)
            return
        key = await self.key_for_scope(scope)
        if key is None:
            await self.app(scope, receive, send)
            return
        answer = sent_store.get(key)
        if answer is not None:
            await send(
                {"type": "http.response.start", "status": answer.status, "headers": answer.headers}
            )
            await send({"type": "http.response.body", "body": answer.body})
            return
        await self._send_and_keep(key, scope, receive, send)

    async def _send_and_keep(self, key: tuple, scope, receive, send) -> None:
        start: dict[str, Any] = {}
        chunks: list[bytes] = []
        whole = True

        async def keep(message: dict[str, Any]) -> None:
            nonlocal whole
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if message.get("more_body"):
                    whole = False
            await send(message)

        await self.app(scope, receive, keep)
        headers = tuple(start.get("headers") or ())
        if (
            whole
            and start.get("status") == 200
            and not any(name.lower() == b"set-cookie" for name, _value in headers)
        ):
            sent_store.put(key, SentAnswer(200, headers, b"".join(chunks)))

    @staticmethod
    def _key_for_scope(scope) -> tuple | None:
        route = page_cache.route_of(scope["path"])
        if route is None or route[1] == page_cache.PAGE:
            return None
        query = scope.get("query_string", b"").decode("latin-1")
        if len(query) > page_cache.MAX_QUERY:
            return None
        request = ASGIRequest(scope, io.BytesIO())
        try:
            host = request.get_host()
        except DisallowedHost:
            return None
        if not page_cache.anonymous(request) or HostileRequestMiddleware.hostile(request):
            return None
        # The connection's life as a request's would have it (CONN_MAX_AGE, health checks).
        close_old_connections()
        try:
            if route[1] == page_cache.NEARBY:
                state = page_cache.nearby_state(request)
            else:
                shop = page_cache.shop_state(route[0])
                state = None if shop is None or not shop[3] else shop[:3]
        except DatabaseError:
            return None
        finally:
            close_old_connections()
        if state is None:
            return None
        return (
            scope["path"],
            query,
            request.scheme,
            host,
            request.META.get("HTTP_X_FORWARDED_PROTO", ""),
            request.META.get("HTTP_X_FORWARDED_HOST", ""),
            translation.get_language_from_request(request),
            timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            state,
        )
