"""Replaying a write retried with the same ``Idempotency-Key``.

Must run inside the write's own transaction: the key is claimed (inserted) first, so a
concurrent duplicate either waits for the first to commit and replays its answer, or, if
the first rolled back, performs the write itself.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from livestock.models import IdempotencyRecord
from shops.errors import DomainError, InvalidInput

MAX_KEY_LENGTH = 200


def fingerprint(data: Any) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def run_once(
    *,
    shop_id: int,
    scope: str,
    key: str | None,
    request_data: Any,
    action: Callable[[], tuple[int, dict[str, Any]]],
) -> tuple[int, dict[str, Any], bool]:
    """Return ``(status, response, replayed)``; ``action`` runs at most once per key."""
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
    record = IdempotencyRecord.objects.filter(**lookup).first()
    if record is None:
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    **lookup, fingerprint=request_fingerprint, response=None
                )
        except IntegrityError:
            record = IdempotencyRecord.objects.get(**lookup)
        else:
            status, response = action()
            record.status_code = status
            record.response = response
            record.save(update_fields=["status_code", "response"])
            return status, response, False
    if record.fingerprint != request_fingerprint:
        raise DomainError(
            _("같은 Idempotency-Key로 다른 요청이 이미 처리되었습니다. 새 키를 사용해 주세요."),
            code="idempotency_key_reused",
            status=422,
        )
    return record.status_code, record.response or {}, True
