"""How often one client may write reviews, kept in Django's cache like pickup/limits.py.

Per client IP and per reservation, a fixed window each: loose enough for a carrier NAT
full of honest customers, tight enough that a script cannot flood a shop. The cache is an
aid, not the record: while a shared cache is down the limit pauses (logged), and the
database still allows only one review per reservation.
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
    try:
        cache.add(key, 0, timeout=window_seconds)
        try:
            return cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=window_seconds)
            return 1
    except CacheUnavailable as exc:
        logger.warning("review rate limit not counted, cache unavailable: %s", exc)
        return 0


def check_review_rate(*, client_ip: str, reservation_id: int | None = None) -> None:
    """Count one review write (new, edit, delete) and refuse (429) past the limits:
    ``REVIEW_RATE_LIMIT`` per IP and ``REVIEW_EDITS_PER_RESERVATION`` per reservation in
    ``REVIEW_RATE_WINDOW_SECONDS``."""
    window = settings.REVIEW_RATE_WINDOW_SECONDS
    now = int(timezone.now().timestamp())
    bucket = now // window
    retry_after = window - now % window
    ip_hits = _count_hit(f"reviews:rate:ip:{client_ip}:{bucket}", window)
    per_reservation = 0
    if reservation_id is not None:
        per_reservation = _count_hit(f"reviews:rate:r:{reservation_id}:{bucket}", window)
    if (
        ip_hits > settings.REVIEW_RATE_LIMIT
        or per_reservation > settings.REVIEW_EDITS_PER_RESERVATION
    ):
        raise RateLimited(
            _("리뷰를 너무 자주 쓰고 있습니다. 잠시 후 다시 시도해 주세요."),
            code="rate_limited",
            retry_after=retry_after,
        )
