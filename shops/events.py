"""What happened in a shop, said once, inside the transaction that made it happen.

The services of the floors below the capabilities (a stock change in ``livestock``, a
reservation's step in ``pickup``) call :func:`record` in their own transaction, after the
change is written. Capabilities (the webhook outbox, push notifications, numbers, reviews)
connect receivers to :data:`happened`; they are imported by nobody below them, so this signal
is how they hear of a change.

A receiver runs synchronously inside that same transaction:

* it writes its own rows there (an outbox row commits or rolls back with the change it
  describes, so no event is lost and none describes a change that never happened), or
* it schedules work for after the commit with ``transaction.on_commit``.

A receiver's exception propagates and rolls the change back: a fact that cannot be recorded
must not be half-recorded. The live websocket path is fed from the same place (the services'
``publish_on_commit`` next to their ``record`` call), so both read one decision of what
happened.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone

STOCK_CHANGED = "stock.changed"
LISTING_CREATED = "listing.created"
LISTING_UPDATED = "listing.updated"
LISTING_ENDED = "listing.ended"
RESERVATION_CREATED = "reservation.created"
RESERVATION_READY = "reservation.ready"
RESERVATION_PICKED_UP = "reservation.picked_up"
RESERVATION_CANCELLED = "reservation.cancelled"
RESERVATION_NO_SHOW = "reservation.no_show"
# A customer reviewed a picked-up order (reviews/): data holds ids, rating, no text.
REVIEW_CREATED = "review.created"

EVENT_TYPES: tuple[str, ...] = (
    STOCK_CHANGED,
    LISTING_CREATED,
    LISTING_UPDATED,
    LISTING_ENDED,
    RESERVATION_CREATED,
    RESERVATION_READY,
    RESERVATION_PICKED_UP,
    RESERVATION_CANCELLED,
    RESERVATION_NO_SHOW,
    REVIEW_CREATED,
)

# Sent with ``event=<BusinessEvent>`` inside the transaction of the change.
happened = Signal()


@dataclass(frozen=True)
class BusinessEvent:
    """One committed-with-the-change fact about a shop.

    ``version`` is the shop's stock version for stock and listing events (it grows by one per
    stock change, so receivers can order and de-duplicate by it) and the reservation's own
    version for reservation events. ``data`` is JSON-ready.
    """

    type: str
    shop_id: int
    shop_slug: str
    data: Mapping[str, Any]
    version: int | None = None
    # Looked up at call time, so a clock patched in tests moves it too.
    occurred_at: datetime = field(default_factory=lambda: timezone.now())


_shared_reads: ContextVar[dict[Hashable, Any] | None] = ContextVar(
    "business_event_shared_reads", default=None
)


@contextmanager
def one_change() -> Iterator[None]:
    """The events recorded inside are facts of one change (a reservation and the stock it
    took): receivers may read what they need once for all of them (:func:`shared_reads`)."""
    token = _shared_reads.set({})
    try:
        yield
    finally:
        _shared_reads.reset(token)


def shared_reads() -> dict[Hashable, Any] | None:
    """Inside :func:`one_change`, a dict receivers keep reads in for the change's next
    events (key them by receiver); None outside, where every event reads afresh."""
    return _shared_reads.get()


class EventOutsideTransaction(RuntimeError):
    """An event recorded outside a transaction could outlive a change that failed."""


def record(
    *,
    type: str,
    shop_id: int,
    shop_slug: str,
    data: Mapping[str, Any],
    version: int | None = None,
    using: str | None = None,
) -> BusinessEvent:
    """Tell every receiver what happened; call it inside the change's transaction."""
    if type not in EVENT_TYPES:
        raise ValueError(f"unknown business event type {type!r}")
    if not transaction.get_connection(using).in_atomic_block:
        raise EventOutsideTransaction(f"{type} recorded outside a transaction")
    event = BusinessEvent(
        type=type, shop_id=shop_id, shop_slug=shop_slug, data=dict(data), version=version
    )
    happened.send(sender=BusinessEvent, event=event)
    return event
