"""HTTP under daphne the way a threaded WSGI server runs Django: a few long-lived threads.

Every middleware and view here is synchronous. Django's own ASGI handler gives each request
a thread of its own (created and joined per request, with a new database connection each
time) and builds an *async* middleware chain in which every ``MiddlewareMixin`` hands its
``process_request`` and ``process_response`` to that thread separately: about fifteen
hand-offs per request, each contending for the GIL with the other requests in flight. Here a
request is read on the event loop, then handled start to finish — ``request_started``, the
synchronous middleware chain and view, ``request_finished`` — in one call to a fixed pool of
worker threads, whose database connections are reused between requests (``CONN_MAX_AGE``,
with health checks) and bounded by the pool's size. The answer is sent from the event loop.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core import signals
from django.core.exceptions import RequestAborted
from django.core.handlers.asgi import ASGIHandler, get_script_prefix
from django.http import FileResponse, HttpResponse
from django.urls import set_script_prefix


class ThreadPoolASGIHandler(ASGIHandler):
    def __init__(self, workers: int | None = None) -> None:
        super().__init__()
        self.executor = ThreadPoolExecutor(
            max_workers=workers or settings.HTTP_WORKER_THREADS, thread_name_prefix="http"
        )

    def load_middleware(self, is_async: bool = False) -> None:
        super().load_middleware(is_async=False)

    async def __call__(self, scope: dict[str, Any], receive, send) -> None:
        if scope["type"] != "http":
            raise ValueError(f"Django can only handle ASGI/HTTP connections, not {scope['type']}.")
        await self.handle(scope, receive, send)

    async def handle(self, scope: dict[str, Any], receive, send) -> None:
        try:
            body_file = await self.read_body(receive)
        except RequestAborted:
            return
        # asgiref (not a bare run_in_executor) so that code in the worker which goes back to
        # the event loop, like a broadcast's async_to_sync(group_send), uses this loop.
        respond = sync_to_async(self.respond, thread_sensitive=False, executor=self.executor)
        try:
            response = await respond(scope, body_file)
        finally:
            body_file.close()
        try:
            await self.send_response(response, send)
        except asyncio.CancelledError:
            pass
        finally:
            if response.streaming:
                # Its database work (if any) ran in another thread; close what is left.
                await sync_to_async(
                    response.close, thread_sensitive=False, executor=self.executor
                )()

    def respond(self, scope: dict[str, Any], body_file) -> HttpResponse:
        """The whole request in one worker thread; a non-streaming answer comes back closed."""
        set_script_prefix(get_script_prefix(scope))
        signals.request_started.send(sender=self.__class__, scope=scope)
        request, error_response = self.create_request(scope, body_file)
        response = error_response if request is None else self.get_response(request)
        response._handler_class = self.__class__
        if isinstance(response, FileResponse):
            response.block_size = self.chunk_size
        if not response.streaming:
            response.close()  # request_finished: this thread's connection is checked or closed
        return response
