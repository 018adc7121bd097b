"""The worker's rollups (``python manage.py run_huey``)."""

from __future__ import annotations

import logging

from huey.contrib.djhuey import db_periodic_task

from insights import services
from shops.schedule import seoul_crontab

logger = logging.getLogger(__name__)


@db_periodic_task(seoul_crontab(minute="20", hour="0"))
def roll_up_days() -> int:
    """Daily at 00:20 in Seoul: roll up yesterday (and any day missed while the worker was
    down) for every shop, hours before the 04:17 prune of the raw stock log; then drop
    rollups past their two years."""
    written = services.roll_up_pending()
    dropped = services.prune_rollups()
    logger.info("rolled up %d shop-days, dropped %d past retention", written, dropped)
    return written
