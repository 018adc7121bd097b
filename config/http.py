"""Django's ASGI handler with the middleware chain and the view run in one thread hop.

Every middleware and view here is synchronous. Django's own ASGI handler builds an *async*
chain, and in it each ``MiddlewareMixin`` runs its ``process_request`` and
``process_response`` through ``sync_to_async``: about a dozen hand-offs between the event loop
and the request's thread per request, then one more for the view. Building the chain
synchronously, as under WSGI, and calling it once through ``sync_to_async`` does the same
work with one hand-off. The request still runs in its own thread-sensitive context, so the
``request_started``/``request_finished`` handlers (which close the database connection) run in
the thread that used it.
"""

from __future__ import annotations

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIHandler


class SyncChainASGIHandler(ASGIHandler):
    def load_middleware(self, is_async: bool = False) -> None:
        super().load_middleware(is_async=False)
        self._middleware_chain = sync_to_async(self._middleware_chain, thread_sensitive=True)
