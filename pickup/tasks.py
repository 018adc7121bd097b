"""Periodic work run by the huey worker (`python manage.py run_huey`, started by `make run`)."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from pickup.services import reservations
from shops.idempotency import purge_expired_records
from shops.schedule import seoul_crontab

logger = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="*"))
def expire_no_shows() -> int:
    """Every minute: reservations nobody collected become no-shows; stock returns to sale."""
    expired = reservations.expire_no_shows()
    if expired:
        logger.info("expired %d reservations as no-shows", expired)
    return expired


@db_periodic_task(seoul_crontab(minute="17", hour="4"))
def purge_expired_phones() -> int:
    """Daily at 04:17 in Seoul, privacy retention: erase phone numbers past their retention period, and delete
    Idempotency-Key records past their replay period (48 h)."""
    erased = reservations.purge_expired_phones()
    if erased:
        logger.info("erased %d phone numbers past retention", erased)
    dropped = purge_expired_records()
    if dropped:
        logger.info("deleted %d idempotency records past their replay period", dropped)
    return erased
