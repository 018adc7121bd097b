"""Reads about a shop's webhooks shared by the API and the owner console."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Q

from integrations.models import Delivery, DeliveryAttempt, WebhookEndpoint
from shops.models import Shop


def shop_endpoints(shop: Shop) -> list[WebhookEndpoint]:
    return list(
        WebhookEndpoint.objects.filter(shop_id=shop.pk)
        .annotate(queued=Count("deliveries", filter=Q(deliveries__status=Delivery.Status.PENDING)))
        .order_by("id")
    )


def shop_endpoint(shop: Shop, endpoint_id: int) -> WebhookEndpoint | None:
    return WebhookEndpoint.objects.filter(shop_id=shop.pk, pk=endpoint_id).first()


@dataclass(frozen=True)
class AttemptView:
    """One try of one event: a failed attempt row, or a delivery's successful last try."""

    id: str
    delivery: Delivery
    attempted_at: datetime
    succeeded: bool
    status_code: int | None
    latency_ms: int
    error: str


def recent_attempts(endpoint: WebhookEndpoint, limit: int = 100) -> list[AttemptView]:
    """The newest attempts first: every failure, and each delivered event's success."""
    delivered = Delivery.objects.filter(
        endpoint_id=endpoint.pk, status=Delivery.Status.SUCCEEDED
    ).order_by("-last_attempt_at", "-id")[:limit]
    failed = (
        DeliveryAttempt.objects.filter(endpoint_id=endpoint.pk, succeeded=False)
        .select_related("delivery")
        .order_by("-attempted_at", "-id")[:limit]
    )
    views = [
        AttemptView(
            id=f"d{d.pk}",
            delivery=d,
            attempted_at=d.last_attempt_at,
            succeeded=True,
            status_code=d.last_status_code,
            latency_ms=d.last_latency_ms or 0,
            error="",
        )
        for d in delivered
    ] + [
        AttemptView(
            id=f"a{a.pk}",
            delivery=a.delivery,
            attempted_at=a.attempted_at,
            succeeded=False,
            status_code=a.status_code,
            latency_ms=a.latency_ms,
            error=a.error,
        )
        for a in failed
    ]
    views.sort(key=lambda v: (v.attempted_at, v.id), reverse=True)
    return views[:limit]


def recent_deliveries(endpoint: WebhookEndpoint, limit: int = 100) -> list[Delivery]:
    return list(Delivery.objects.filter(endpoint_id=endpoint.pk).order_by("-id")[:limit])


def disabled_endpoints(shop: Shop) -> list[WebhookEndpoint]:
    return list(
        WebhookEndpoint.objects.filter(shop_id=shop.pk, status=WebhookEndpoint.Status.DISABLED)
    )
