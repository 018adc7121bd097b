"""Periodic upkeep of the live stock log (run by the huey worker)."""

from django.conf import settings
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from livestock import services


@db_periodic_task(crontab(minute="17", hour="4"))
def prune_stock_log() -> int:
    return services.prune_stock_events(older_than_days=settings.LIVESTOCK_EVENTS_RETENTION_DAYS)
