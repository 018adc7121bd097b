"""Rate limits kept in Django's cache: per process locally, shared across processes with Redis.

Per IP, reservation attempts per window; per shop or café, wrong pickup codes per window.
The cache is an aid, not the record: while a shared cache is down (``CacheUnavailable``,
shops/cache.py) the limits pause rather than turn every customer away, and the outage is
logged. The row-level limits of a reservation (per phone, device, network) are counted in
the database by ``pickup.services.reservations``.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext as _

from shops.cache import CacheUnavailable
from shops.errors import RateLimited

logger = logging.getLogger(__name__)


def _count_hit(key: str, window_seconds: int) -> int:
    """Count one hit in a fixed window; 0 when the cache cannot count."""
    try:
        cache.add(key, 0, timeout=window_seconds)
        try:
            return cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=window_seconds)
            return 1
    except CacheUnavailable as exc:
        logger.warning("rate limit not counted, cache unavailable: %s", exc)
        return 0


def _hits(key: str) -> int:
    try:
        return cache.get(key) or 0
    except CacheUnavailable as exc:
        logger.warning("rate limit not read, cache unavailable: %s", exc)
        return 0


def check_reservation_rate(*, client_ip: str) -> None:
    """Per-IP cap on reservation attempts (fixed window). Raise 429 when exceeded."""
    window = settings.PICKUP_RATE_WINDOW_SECONDS
    bucket = int(timezone.now().timestamp()) // window
    hits = _count_hit(f"pickup:rate:{client_ip}:{bucket}", window)
    if hits > settings.PICKUP_RATE_LIMIT:
        raise RateLimited(
            _("요청이 너무 많습니다. 잠시 후 다시 시도해 주세요."),
            code="rate_limited",
            retry_after=window - int(timezone.now().timestamp()) % window,
        )


def _code_attempt_key(scope: str) -> str:
    window = settings.PICKUP_CODE_WINDOW_SECONDS
    return f"pickup:code:{scope}:{int(timezone.now().timestamp()) // window}"


def check_code_attempts(*, scope: str) -> None:
    """Refuse (429) while ``scope`` (a shop's counter, a café) has had too many wrong codes."""
    if _hits(_code_attempt_key(scope)) >= settings.PICKUP_CODE_ATTEMPTS:
        raise RateLimited(
            _("잘못된 수령 코드가 너무 많이 입력되었습니다. 잠시 후 다시 시도해 주세요."),
            code="too_many_code_attempts",
        )


def record_code_failure(*, scope: str) -> None:
    _count_hit(_code_attempt_key(scope), settings.PICKUP_CODE_WINDOW_SECONDS)
