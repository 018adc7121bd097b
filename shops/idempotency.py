"""Replaying a write retried with the same ``Idempotency-Key``.

Must run inside the write's own transaction: the key is claimed (inserted) first, so a
concurrent duplicate either waits for the first to commit and replays its answer, or, if
the first rolled back, performs the write itself.

The write returns a domain object (a StockResult, a Reservation). A record keeps only what a
replay needs to find that object again, never personal data: ``remember`` turns the result
into a small JSON object (e.g. the id of what was created) and ``recall`` turns it back into
the result. Records live ``IDEMPOTENCY_TTL_HOURS`` (48 h): an older one no longer answers, its
key can be used again, and the privacy retention job deletes it (``purge_expired_records``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shops.errors import DomainError, InvalidInput
from shops.models import IdempotencyRecord

MAX_KEY_LENGTH = 200

# What a request looked like (fingerprinted) and what a record stores: plain JSON values.
JSONValue = Any
Stored = dict[str, JSONValue]

Result = TypeVar("Result")


def fingerprint(*, data: JSONValue) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def expiry_cutoff(*, now: datetime | None = None) -> datetime:
    return (now or timezone.now()) - timedelta(hours=settings.IDEMPOTENCY_TTL_HOURS)


def run_once(
    *,
    shop_id: int,
    scope: str,
    key: str | None,
    request_data: JSONValue,
    action: Callable[[], Result],
    remember: Callable[[Result], Stored],
    recall: Callable[[Stored], Result],
) -> tuple[Result, bool]:
    """Return ``(result, replayed)``; ``action`` runs at most once per key.

    Without a key the action simply runs. A key reused within the replay period for a
    different request is refused with ``idempotency_key_reused``.
    """
    if not key:
        return action(), False
    if len(key) > MAX_KEY_LENGTH:
        raise InvalidInput(
            _("Idempotency-Key는 %(max)d자 이하여야 합니다.") % {"max": MAX_KEY_LENGTH},
            code="invalid_idempotency_key",
        )
    request_fingerprint = fingerprint(data=request_data)
    lookup = {"shop_id": shop_id, "scope": scope, "key": key}
    IdempotencyRecord.objects.filter(**lookup, created_at__lt=expiry_cutoff()).delete()
    record = IdempotencyRecord.objects.filter(**lookup).first()
    if record is None:
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    **lookup,
                    fingerprint=request_fingerprint,
                    response=None,
                    created_at=timezone.now(),
                )
        except IntegrityError:
            record = IdempotencyRecord.objects.get(**lookup)
        else:
            result = action()
            record.response = remember(result)
            record.save(update_fields=["response"])
            return result, False
    if record.fingerprint != request_fingerprint:
        raise DomainError(
            _("같은 Idempotency-Key로 다른 요청이 이미 처리되었습니다. 새 키를 사용해 주세요."),
            code="idempotency_key_reused",
            status=422,
        )
    return recall(record.response or {}), True


def purge_expired_records(*, now: datetime | None = None) -> int:
    """Delete every record older than the replay period; how many went."""
    return IdempotencyRecord.objects.filter(created_at__lt=expiry_cutoff(now=now)).delete()[0]
