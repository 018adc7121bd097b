"""The server's VAPID key pair: ``WEB_PUSH_VAPID_PRIVATE_KEY``, or one generated on first use
and kept in the database, so subscriptions made before a restart keep working."""

from __future__ import annotations

import threading

from django.conf import settings
from py_vapid import Vapid02

from notify import webpush
from notify.models import VapidKey

_lock = threading.Lock()
_loaded: dict[str, Vapid02] = {}


def _stored_private_key() -> str:
    row = VapidKey.objects.order_by("pk").first()
    if row is None:
        VapidKey.objects.create(private_key=webpush.generate_private_key())
        # Two processes may have generated one at once: the oldest row wins for both.
        row = VapidKey.objects.order_by("pk").first()
    return row.private_key


def vapid() -> Vapid02:
    configured = settings.WEB_PUSH_VAPID_PRIVATE_KEY
    cache_key = configured or "db"
    with _lock:
        if cache_key not in _loaded:
            _loaded.clear()
            _loaded[cache_key] = webpush.load_vapid(configured or _stored_private_key())
        return _loaded[cache_key]


def public_key() -> str:
    return webpush.public_key(vapid())


def forget() -> None:
    """Drop the loaded key (tests that change the setting or the stored row)."""
    with _lock:
        _loaded.clear()
