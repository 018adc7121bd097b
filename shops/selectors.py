"""Reads about shops shared by pages and the API."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.models import Sum
from django.utils import timezone

from shops.models import ShareChannel, ShareStat, Shop


def shop_by_slug(slug: str) -> Shop | None:
    if not slug or len(slug) > 50:
        return None
    return Shop.objects.filter(slug=slug, is_active=True).first()


def shop_public_fields(shop: Shop) -> dict[str, Any]:
    return {
        "slug": shop.slug,
        "name": shop.name,
        "address": shop.address,
        "lat": shop.lat,
        "lng": shop.lng,
        "service_radius_m": shop.service_radius_m,
        "service_polygon": shop.service_polygon,
        "stock_version": shop.stock_version,
        "notice": shop.notice,
        "return_policy": shop.return_policy,
        "response_hours": shop.response_hours,
        "opening_hours": shop.opening_hours,
        "phone": shop.phone,
        "kakao_channel_url": shop.kakao_channel_url,
        "naver_url": shop.naver_url,
        "url": shop.get_absolute_url(),
    }


def share_stats(shop: Shop, days: int = 14) -> dict[str, Any]:
    """Visits through shared links and the reservations they led to, over the last ``days``
    days: totals per channel (every channel listed, zeros included) and the daily rows."""
    since = timezone.localdate() - timedelta(days=days - 1)
    rows = ShareStat.objects.filter(shop=shop, day__gte=since)
    sums = {
        row["channel"]: row
        for row in rows.values("channel").annotate(visits=Sum("visits"),
                                                   reservations=Sum("reservations"))
    }
    channels = []
    for channel in ShareChannel:
        found = sums.get(channel.value, {})
        visits, reservations = found.get("visits") or 0, found.get("reservations") or 0
        channels.append({
            "channel": channel.value, "label": channel.label, "visits": visits,
            "reservations": reservations,
            "rate": round(100 * reservations / visits) if visits else None,
        })
    return {
        "since": since,
        "days": days,
        "channels": channels,
        "total_visits": sum(item["visits"] for item in channels),
        "total_reservations": sum(item["reservations"] for item in channels),
        "daily": list(rows.order_by("-day", "channel")),
    }
