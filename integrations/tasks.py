"""Background webhook delivery (run by ``manage.py run_huey``)."""

from __future__ import annotations

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from integrations import delivery
from shops.schedule import seoul_crontab


@db_task()
def deliver_webhooks(endpoint_id: int) -> int:
    """Send what is due to one endpoint; come back when its head delivery is to be retried."""
    run = delivery.deliver_endpoint(endpoint_id=endpoint_id)
    if run.more:
        deliver_webhooks(endpoint_id)
    elif run.retry_at is not None:
        wait = (run.retry_at - timezone.now()).total_seconds()
        deliver_webhooks.schedule(args=(endpoint_id,), delay=max(1, int(wait) + 1))
    return run.sent


@db_periodic_task(crontab(minute="*"))
def sweep_webhooks() -> int:
    """Every minute: wake every endpoint with a due delivery and no live worker (a request
    lost while Redis or the worker was down, a worker killed mid-send, a scheduled retry
    dropped)."""
    endpoint_ids = delivery.due_endpoints()
    for endpoint_id in endpoint_ids:
        deliver_webhooks(endpoint_id)
    return len(endpoint_ids)


@db_periodic_task(seoul_crontab(minute="37", hour="4"))
def prune_webhook_log() -> int:
    return delivery.prune_log()
