"""Writes about shops that are not stock: share attribution counters."""

from __future__ import annotations

from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from shops.models import ShareChannel, ShareStat


def normalize_channel(raw: object) -> str:
    """A known channel name, or ``other`` for anything else (never the raw value)."""
    value = str(raw or "").strip().lower()
    return value if value in ShareChannel.values else ShareChannel.OTHER


def _bump(shop_id: int, channel: str, day: date | None, field: str) -> None:
    channel = normalize_channel(channel)
    day = day or timezone.localdate()
    rows = ShareStat.objects.filter(shop_id=shop_id, day=day, channel=channel)
    with transaction.atomic():
        if rows.update(**{field: F(field) + 1}):
            return
        try:
            with transaction.atomic():
                ShareStat.objects.create(shop_id=shop_id, day=day, channel=channel,
                                         **{field: 1})
        except IntegrityError:  # another request created today's row first
            rows.update(**{field: F(field) + 1})


def record_share_visit(*, shop_id: int, channel: str, day: date | None = None) -> None:
    """Count one visitor who arrived at a shop's page through a link shared via ``channel``."""
    _bump(shop_id, channel, day, "visits")


def record_share_reservation(*, shop_id: int, channel: str, day: date | None = None) -> None:
    """Count one reservation made by a visitor who came through ``channel``."""
    _bump(shop_id, channel, day, "reservations")
