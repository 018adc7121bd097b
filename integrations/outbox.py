"""The outbox: every business event becomes one Delivery row per listening endpoint, written
inside the transaction of the change (``shops.events.happened`` runs there), so a change that
rolls back sends nothing and a committed one is never lost. After the commit the worker is
asked to send; if the queue (Redis) or the worker is down then, the sweep
(``integrations.tasks.sweep_webhooks``) finds the rows later.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC
from functools import partial

from django.db import transaction
from django.dispatch import receiver
from django.utils import timezone

from integrations.models import Delivery, WebhookEndpoint
from shops.events import BusinessEvent, happened, shared_reads


def new_message_id() -> str:
    return f"msg_{uuid.uuid4().hex}"


def webhook_body(event: BusinessEvent) -> str:
    """The JSON body every attempt sends, byte for byte: ``{"type", "timestamp", "data"}``."""
    return json.dumps(
        {
            "type": event.type,
            "timestamp": event.occurred_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
            "data": dict(event.data),
        },
        ensure_ascii=False,
        separators=(",", ":"),
        default=str,
    )


def _listening(event: BusinessEvent) -> list[int]:
    """The shop's endpoints that take this event; read once per change (shops.events)."""
    shared = shared_reads()
    key = ("integrations.outbox", event.shop_id)
    rows = shared.get(key) if shared is not None else None
    if rows is None:
        rows = list(
            WebhookEndpoint.objects.filter(shop_id=event.shop_id)
            .exclude(status=WebhookEndpoint.Status.DISABLED)
            .values_list("pk", "events")
        )
        if shared is not None:
            shared[key] = rows
    return [pk for pk, events in rows if event.type in (events or ())]


@receiver(happened, dispatch_uid="integrations.outbox")
def write_outbox(sender: object, event: BusinessEvent, **kwargs: object) -> None:
    endpoint_ids = _listening(event)
    if not endpoint_ids:
        return
    body = webhook_body(event)
    message_id = new_message_id()
    now = timezone.now()
    Delivery.objects.bulk_create(
        [
            Delivery(
                endpoint_id=endpoint_id,
                shop_id=event.shop_id,
                message_id=message_id,
                event_type=event.type,
                version=event.version,
                body=body,
                occurred_at=event.occurred_at,
                created_at=now,
                next_attempt_at=now,
            )
            for endpoint_id in endpoint_ids
        ]
    )
    transaction.on_commit(partial(wake, tuple(endpoint_ids)), robust=True)


def wake(endpoint_ids: tuple[int, ...]) -> None:
    """Ask the worker to send to these endpoints (a lost request is made up by the sweep)."""
    from integrations import tasks

    for endpoint_id in endpoint_ids:
        tasks.deliver_webhooks(endpoint_id)
