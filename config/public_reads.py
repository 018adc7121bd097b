"""The public reads people make most, answered ahead of Django's request machinery.

A repeat ``GET`` of the shop page, a listing's page, ``/api/shops/<slug>``, its
``/stock?since=`` poll or ``/api/shops/nearby`` is sent as the whole stack sent it the first
time (every middleware's headers included), keyed as ``storefront.page_cache`` keys answers
(the shop's versions read by the same one statement, the language, the query, the minute)
plus the host and the raw forwarded headers. It all runs on the server's event loop, the
key's statement too where config/loop_reads.py can make it (otherwise one worker-thread hop
makes it through Django), and so does, for a page, what is per visitor: Django's own CSRF
middleware gives this visitor their token and
cookie, the device cookie is set as the view sets it, and the reserve form gets a fresh
idempotency key. Anything the stack would refuse or treat differently (another host, control
characters, a signed-in visitor, a flash message, a shared link's visit to count, a database
error, an answer that is not a complete 200) goes through Django as before.
"""

from __future__ import annotations

import asyncio
import io
import uuid
from dataclasses import dataclass
from typing import Any

from asgiref.sync import sync_to_async
from django.core.exceptions import DisallowedHost
from django.core.handlers.asgi import ASGIRequest
from django.db import DatabaseError, close_old_connections
from django.http import HttpResponse
from django.middleware.csrf import CsrfViewMiddleware, get_token
from django.utils import timezone, translation

from config import loop_reads
from config.middleware import HostileRequestMiddleware
from storefront import page_cache
from storefront.nearby import MAX_RESULTS


@dataclass(frozen=True)
class SentAnswer:
    """An answer as it left the whole stack; a kept page's body is cut at its per-visitor
    values (``storefront.page_cache.without_visitor_values``)."""

    status: int
    headers: tuple[tuple[bytes, bytes], ...]
    body: bytes | tuple[bytes, ...]

    @property
    def page(self) -> bool:
        return isinstance(self.body, tuple)


sent_store = page_cache.Store()
# Customers' positions rarely repeat exactly: nearby answers get a store of their own, so a
# stream of one-off positions never pushes shop pages out.
nearby_store = page_cache.Store(limit=256)


def store_for(key: tuple) -> page_cache.Store:
    return nearby_store if key[0] == page_cache.NEARBY else sent_store


PREFIXES = ("/api/shops/", "/s/")


def _no_view(request):  # CsrfViewMiddleware is only asked for its request and response hooks
    return None


_csrf = CsrfViewMiddleware(_no_view)


@dataclass(frozen=True)
class Looked:
    """What a request that may be answered from before asks for."""

    request: ASGIRequest
    kind: str
    slug: str
    query: str
    host: str


class PublicReadsApp:
    def __init__(self, app, executor) -> None:
        self.app = app
        self._drawing: dict[tuple, asyncio.Future[None]] = {}
        self.state_in_thread = sync_to_async(
            _state_in_thread, thread_sensitive=False, executor=executor
        )

    async def __call__(self, scope, receive, send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] != "GET"
            or not scope["path"].startswith(PREFIXES)
        ):
            await self.app(scope, receive, send)
            return
        prepared = await self.prepare(scope)
        if prepared is None:
            await self.app(scope, receive, send)
        elif isinstance(prepared, SentAnswer):
            await _send(prepared, send)
        else:
            await self._miss(prepared, scope, receive, send)

    async def _miss(self, miss: Miss, scope, receive, send) -> None:
        """Drawn once per key and process: requests that miss while the same answer is being
        drawn (a shared link opened by many at once, every visitor just after a change) wait
        for it instead of each drawing it again."""
        # Kept here when it comes back: the page middleware need not keep it as well.
        scope = {**scope, page_cache.KEPT_AHEAD: True}
        if miss.found is not None:  # drawn for the key's very search, not searched again
            scope[page_cache.NEARBY_FOUND] = miss.found
        drawing = self._drawing.get(miss.key)
        if drawing is None:
            drawn = asyncio.get_running_loop().create_future()
            self._drawing[miss.key] = drawn
            try:
                await self._send_and_keep(miss, scope, receive, send)
            finally:
                del self._drawing[miss.key]
                drawn.set_result(None)
            return
        await asyncio.shield(drawing)
        answer = _kept(miss)
        if answer is None:  # the first one's answer was not kept (an error, a cookie)
            await self.app(scope, receive, send)
        else:
            await _send(answer, send)

    async def prepare(self, scope) -> SentAnswer | Miss | None:
        """The answer to send for a hit, what to keep the answer under for a miss, or
        None for a request the whole stack must see.

        All of it runs on the event loop, the database reads too when config/loop_reads.py
        can make them; a read it leaves to Django takes one hop to a worker thread."""
        looked = _look(scope)
        if looked is None:
            return None
        state = await self._state(looked)
        if state is None:
            return None
        found = None
        if looked.kind == page_cache.NEARBY:
            state, found = state
        request = looked.request
        key = (
            looked.kind,
            scope["path"],
            looked.query,
            request.scheme,
            looked.host,
            request.META.get("HTTP_X_FORWARDED_PROTO", ""),
            request.META.get("HTTP_X_FORWARDED_HOST", ""),
            translation.get_language_from_request(request),
            timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            state,
        )
        if looked.kind == page_cache.NEARBY:
            miss = Miss(key, request, tuple(shop[0] for shop in state), found)
        else:
            miss = Miss(key, request, (state[0],))
        return _kept(miss) or miss

    async def _state(self, looked: Looked) -> tuple | None:
        """The state the key is made of: a shop's ``(id, stock_version, page_version)``, or
        the versions of the shops a nearby search finds (with the shops, when it searched);
        None for a request the whole stack must see (a refused position, an inactive or
        unknown shop, a database error)."""
        if looked.kind == page_cache.NEARBY:
            point = page_cache.nearby_point(looked.request)
            if point is None:
                return None
            state = await loop_reads.nearby_state(*point, limit=MAX_RESULTS)
        else:
            state = await loop_reads.shop_state(looked.slug)
        if state is loop_reads.ASK_DJANGO:
            state = await self.state_in_thread(looked)
        if looked.kind == page_cache.NEARBY or state is None:
            return state
        return state[:3] if state[3] else None

    async def _send_and_keep(self, miss: Miss, scope, receive, send) -> None:
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
        key = miss.key
        page = key[0] == page_cache.PAGE
        headers = tuple(start.get("headers") or ())
        cookies = any(name.lower() == b"set-cookie" for name, _value in headers)
        if not whole or start.get("status") != 200 or (cookies and not page):
            return
        body: bytes | tuple[bytes, ...] = b"".join(chunks)
        if page:
            body = page_cache.without_visitor_values(b"".join(chunks))
            headers = tuple((n, v) for n, v in headers if n.lower() != b"set-cookie")
        store_for(key).put(key, SentAnswer(200, headers, body), miss.shop_ids)


@dataclass(frozen=True)
class Miss:
    """A request to answer through the stack, and what its answer is kept under."""

    key: tuple
    request: ASGIRequest
    shop_ids: tuple[int, ...]  # the shops it is drawn from
    found: list | None = None  # a nearby search's shops, when the key was read by one


def _kept(miss: Miss) -> SentAnswer | None:
    """The answer kept under the key, made this visitor's."""
    answer = store_for(miss.key).get(miss.key)
    if answer is None or not answer.page:
        return answer
    return _for_this_visitor(miss.request, answer, miss.shop_ids[0])


async def _send(answer: SentAnswer, send) -> None:
    await send({"type": "http.response.start", "status": answer.status, "headers": answer.headers})
    await send({"type": "http.response.body", "body": answer.body})


def _look(scope) -> Looked | None:
    """The request, if it is one that may be answered from before."""
    route = page_cache.route_of(scope["path"])
    if route is None:
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
    slug, kind = route
    if kind == page_cache.PAGE and request.GET.get("ref"):
        return None  # a shared link's visit is counted by the view
    return Looked(request, kind, slug, query, host)


def _state_in_thread(looked: Looked) -> Any:
    """The state a key is made of, read through Django: a shop's ``(id, stock_version,
    page_version, is_active)``, the versions of the shops a nearby search finds with the
    shops (``page_cache.nearby_state``), or None."""
    # The connection's life as a request's would have it (CONN_MAX_AGE, health checks).
    close_old_connections()
    try:
        if looked.kind == page_cache.NEARBY:
            return page_cache.nearby_state(looked.request)
        return page_cache.shop_state(looked.slug)
    except DatabaseError:
        return None
    finally:
        close_old_connections()


def _for_this_visitor(request: ASGIRequest, answer: SentAnswer, shop_id: int) -> SentAnswer:
    """The stored page with this visitor's CSRF token, idempotency key and cookies, set by
    the same code the stack runs (Django's CSRF middleware, the page views' device cookie)."""
    _csrf.process_request(request)
    body = page_cache.with_visitor_values(answer.body, get_token(request), uuid.uuid4)
    response = HttpResponse()
    _csrf.process_response(request, response)
    page_cache.per_visitor(request, response, shop_id)
    headers = list(answer.headers)
    for cookie in response.cookies.values():
        headers.append((b"set-cookie", cookie.output(header="").strip().encode("latin-1")))
    return SentAnswer(answer.status, tuple(headers), body)
