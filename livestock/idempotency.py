"""Replaying a write retried with the same ``Idempotency-Key``.

Must run inside the write's own transaction: the key is claimed (inserted) first, so a
concurrent duplicate either waits for the first to commit and replays its answer, or, if
the first rolled back, performs the write itself.

A record keeps only what a replay needs, never personal data: a write whose answer carries
a customer's details (a reservation's secret link, pickup code, name) stores the id of what
it created (``remember``) and rebuilds the answer from that object on replay (``recall``).
Records live ``IDEMPOTENCY_TTL_HOURS`` (48 h): an older one no longer answers, its key can be
used again, and the privacy retention job deletes it (``purge_expired_records``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from livestock.models import IdempotencyRecord
from shops.errors import DomainError, InvalidInput

MAX_KEY_LENGTH = 200

Response = dict[str, Any]


def fingerprint(data: Any) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def expiry_cutoff(now: datetime | None = None) -> datetime:
    return (now or timezone.now()) - timedelta(hours=settings.IDEMPOTENCY_TTL_HOURS)


def run_once(
    *,
    shop_id: int,
    scope: str,
    key: str | None,
    request_data: Any,
    action: Callable[[], tuple[int, Response]],
    remember: Callable[[Response], Response] | None = None,
    recall: Callable[[Response], Response] | None = None,
) -> tuple[int, Response, bool]:
    """Return ``(status, response, replayed)``; ``action`` runs at most once per key.

    ``remember`` turns the answer into what is stored and ``recall`` turns that back into
    the answer; without them the answer itself is stored, so it must hold no personal data.
    """
    if not key:
        status, response = action()
        return status, response, False
    if len(key) > MAX_KEY_LENGTH:
        raise InvalidInput(
            _("Idempotency-Key는 %(max)d자 이하여야 합니다.") % {"max": MAX_KEY_LENGTH},
            code="invalid_idempotency_key",
        )
    request_fingerprint = fingerprint(request_data)
    lookup = {"shop_id": shop_id, "scope": scope, "key": key}
    IdempotencyRecord.objects.filter(**lookup, created_at__lt=expiry_cutoff()).delete()
    record = IdempotencyRecord.objects.filter(**lookup).first()
    if record is None:
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    **lookup, fingerprint=request_fingerprint, response=None,
                    created_at=timezone.now(),
                )
        except IntegrityError:
            record = IdempotencyRecord.objects.get(**lookup)
        else:
            status, response = action()
            record.status_code = status
            record.response = remember(response) if remember else response
            record.save(update_fields=["status_code", "response"])
            return status, response, False
    if record.fingerprint != request_fingerprint:
        raise DomainError(
            _("같은 Idempotency-Key로 다른 요청이 이미 처리되었습니다. 새 키를 사용해 주세요."),
            code="idempotency_key_reused",
            status=422,
        )
    stored = record.response or {}
    return record.status_code, recall(stored) if recall else stored, True


def purge_expired_records(*, now: datetime | None = None) -> int:
    """Delete every record older than the replay period; how many went."""
    return IdempotencyRecord.objects.filter(created_at__lt=expiry_cutoff(now)).delete()[0]
