"""Webhook endpoints and their delivery log as the API shows them (never a secret, except
the one-time answer of create and rotate)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from integrations.models import Delivery, WebhookEndpoint
from integrations.selectors import AttemptView


def _local(value) -> str | None:
    return timezone.localtime(value).isoformat() if value else None


def endpoint_payload(endpoint: WebhookEndpoint) -> dict[str, Any]:
    return {
        "id": endpoint.pk,
        "url": endpoint.url,
        "events": list(endpoint.events),
        "status": endpoint.status,
        "disabled_at": _local(endpoint.disabled_at),
        "disabled_reason": endpoint.disabled_reason,
        "previous_secret_until": _local(endpoint.previous_secret_until),
        "created_at": _local(endpoint.created_at),
    }


def endpoint_with_secret(endpoint: WebhookEndpoint) -> dict[str, Any]:
    return {**endpoint_payload(endpoint), "secret": endpoint.secret}


def attempt_payload(attempt: AttemptView) -> dict[str, Any]:
    delivery: Delivery = attempt.delivery
    return {
        "id": attempt.id,
        "delivery_id": delivery.pk,
        "webhook_id": delivery.message_id,
        "type": delivery.event_type,
        "version": delivery.version,
        "attempted_at": _local(attempt.attempted_at),
        "succeeded": attempt.succeeded,
        "status_code": attempt.status_code,
        "latency_ms": attempt.latency_ms,
        "error": attempt.error,
        "delivery_status": delivery.status,
        "next_attempt_at": _local(delivery.next_attempt_at)
        if delivery.status == Delivery.Status.PENDING
        else None,
    }
