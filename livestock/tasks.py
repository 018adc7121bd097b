"""Periodic upkeep of the live stock log (run by the huey worker)."""

from django.conf import settings
from huey.contrib.djhuey import db_periodic_task

from livestock import services
from shops.schedule import seoul_crontab


@db_periodic_task(seoul_crontab(minute="17", hour="4"))
def prune_stock_log() -> int:
    """Daily at 04:17 in Seoul, the quietest hour: drop stock events past their retention."""
    return services.prune_stock_events(older_than_days=settings.LIVESTOCK_EVENTS_RETENTION_DAYS)
