"""Reads about a shop's webhooks shared by the API and the owner console."""

from __future__ import annotations

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


def recent_attempts(endpoint: WebhookEndpoint, limit: int = 100) -> list[DeliveryAttempt]:
    return list(
        DeliveryAttempt.objects.filter(endpoint_id=endpoint.pk)
        .select_related("delivery")
        .order_by("-attempted_at", "-id")[:limit]
    )


def recent_deliveries(endpoint: WebhookEndpoint, limit: int = 100) -> list[Delivery]:
    return list(Delivery.objects.filter(endpoint_id=endpoint.pk).order_by("-id")[:limit])


def disabled_endpoints(shop: Shop) -> list[WebhookEndpoint]:
    return list(
        WebhookEndpoint.objects.filter(shop_id=shop.pk, status=WebhookEndpoint.Status.DISABLED)
    )
