"""Periodic work run by the huey worker (`python manage.py run_huey`, started by `make run`)."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from pickup.services import reservations
from shops.idempotency import purge_expired_records

logger = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="*"))
def expire_no_shows() -> int:
    """Every minute: reservations nobody collected become no-shows; stock returns to sale."""
    expired = reservations.expire_no_shows()
    if expired:
        logger.info("expired %d reservations as no-shows", expired)
    return expired


# huey matches crontabs in UTC: 19:17 UTC is 04:17 in Seoul, the quietest hour.
@db_periodic_task(crontab(minute="17", hour="19"))
def purge_expired_phones() -> int:
    """Daily privacy retention: erase phone numbers past their retention period, and delete
    Idempotency-Key records past their replay period (48 h)."""
    erased = reservations.purge_expired_phones()
    if erased:
        logger.info("erased %d phone numbers past retention", erased)
    dropped = purge_expired_records()
    if dropped:
        logger.info("deleted %d idempotency records past their replay period", dropped)
    return erased
