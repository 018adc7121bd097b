"""Getting pushes out, run by the worker (notify/tasks.py).

1. ``fan_out``: a due push becomes one ``Delivery`` row per subscription, in one transaction
   (bulk inserts; ``UNIQUE(push, subscription)``). An advertising push's rows for followers
   without night consent wait until 08:00 (notify/advertising.py), and replace the rows of an
   older push of the same kind still waiting there ("newest only").
2. ``dispatch``: due pending rows are cut into batches of ``WEB_PUSH_BATCH_SIZE``, one worker
   task each.
3. ``send_batch``: claims its rows with a lease, then encrypts, signs and POSTs them over at
   most ``WEB_PUSH_CONCURRENCY`` keep-alive connections per push service (notify/webpush.py),
   marking each row the moment its answer arrives: 2xx → ``sent``; 404/410 → the subscription
   is deleted (with its follows); 429/5xx/no answer → tried again later, after ``Retry-After``
   or an exponential backoff, up to ``WEB_PUSH_MAX_ATTEMPTS``; other 4xx → ``failed``.

A worker stopped mid-run leaves its claimed rows ``pending``; ``tick`` (every minute) hands
them out again once their lease ends. Only rows whose answer never came back can be sent
again — at most the ``WEB_PUSH_CONCURRENCY`` in flight at the moment of the crash; they carry
the same ``Topic``, so a push service still holding the first copy replaces it.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterable
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from notify import advertising, keys, messages, webpush
from notify.models import Delivery, Follow, Push, ReservationWatch, RestockAlert, StaffAlert
from notify.models import Subscription as SubscriptionRow
from pickup.models import Reservation

logger = logging.getLogger(__name__)

LEASE_SECONDS = 300
BACKOFF_BASE_SECONDS = 30
BACKOFF_MAX_SECONDS = 3600
REMIND_BEFORE = timedelta(minutes=30)
# A scheduled fan-out may start a moment before the due time it was scheduled for (clocks of
# the web and worker processes, the scheduler's resolution): it still counts as due.
DUE_TOLERANCE = timedelta(seconds=5)

_sender_lock = threading.Lock()
_sender: webpush.Sender | None = None


def sender() -> webpush.Sender:
    """One sender per process: its connection pool bounds the connections per push service."""
    global _sender
    with _sender_lock:
        if _sender is None:
            _sender = webpush.Sender(
                webpush.Signer(keys.vapid(), settings.WEB_PUSH_VAPID_SUBJECT),
                concurrency=settings.WEB_PUSH_CONCURRENCY,
                timeout=settings.WEB_PUSH_TIMEOUT_SECONDS,
            )
        return _sender


def reset_sender() -> None:
    global _sender
    with _sender_lock:
        if _sender is not None:
            _sender.close()
        _sender = None


# --- fan-out --------------------------------------------------------------------------------


def _targets(push: Push) -> dict[int, bool]:
    """subscription id → may it hear advertising at night."""
    if push.kind == Push.Kind.ARRIVAL:
        return dict(
            Follow.objects.filter(shop_id=push.shop_id, arrivals=True).values_list(
                "subscription_id", "night"
            )
        )
    if push.kind == Push.Kind.RESTOCK:
        targets = dict.fromkeys(
            RestockAlert.objects.filter(listing_id=push.listing_id).values_list(
                "subscription_id", flat=True
            ),
            False,
        )
        targets.update(
            Follow.objects.filter(shop_id=push.shop_id, restock=True).values_list(
                "subscription_id", "night"
            )
        )
        return targets
    if push.kind in (Push.Kind.NEW_RESERVATION, Push.Kind.OWNER_ALERT):
        subs = StaffAlert.objects.filter(shop_id=push.shop_id).values_list(
            "subscription_id", flat=True
        )
    else:
        subs = ReservationWatch.objects.filter(reservation_id=push.reservation_id).values_list(
            "subscription_id", flat=True
        )
    return dict.fromkeys(subs, True)


def fan_out(*, push_id: int, now: datetime | None = None) -> int:
    """Write the deliveries of a due push; returns how many. Idempotent."""
    now = now or timezone.now()
    with transaction.atomic():
        push = (
            Push.objects.select_for_update(of=("self",))
            .filter(pk=push_id, state=Push.State.WAITING, due_at__lte=now + DUE_TOLERANCE)
            .first()
        )
        if push is None:
            return 0
        is_ad = bool(push.data.get("advertising"))
        targets = _targets(push)
        held_until = advertising.send_at(now, night=False) if is_ad else now
        if is_ad and held_until > now:
            older = Delivery.objects.filter(
                push__shop_id=push.shop_id,
                push__kind=push.kind,
                status=Delivery.Status.PENDING,
                not_before__gt=now,
            ).exclude(push=push)
            if push.kind == Push.Kind.RESTOCK:
                older = older.filter(push__listing_id=push.listing_id)
            older.update(status=Delivery.Status.SUPERSEDED)
        rows = [
            Delivery(
                push=push,
                subscription_id=sub_id,
                not_before=now if (night or not is_ad) else held_until,
            )
            for sub_id, night in targets.items()
        ]
        Delivery.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
        push.state = Push.State.FANNED_OUT
        push.save(update_fields=["state"])
        if push.kind == Push.Kind.RESTOCK:
            # One push, then done.
            RestockAlert.objects.filter(listing_id=push.listing_id).delete()
        transaction.on_commit(_dispatch_later, robust=True)
    return len(rows)


def _dispatch_later() -> None:
    from notify import tasks

    tasks.dispatch_task()


def dispatch(*, now: datetime | None = None, limit: int = 200_000) -> int:
    """Hand every due, unclaimed delivery to a batch task; returns how many."""
    from notify import tasks

    now = now or timezone.now()
    ids = list(
        Delivery.objects.filter(status=Delivery.Status.PENDING, not_before__lte=now)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    size = max(1, settings.WEB_PUSH_BATCH_SIZE)
    for start in range(0, len(ids), size):
        tasks.send_batch_task(ids[start : start + size])
    return len(ids)


# --- sending --------------------------------------------------------------------------------


def _claim(ids: Iterable[int], now: datetime) -> list[int]:
    with transaction.atomic():
        claimed = list(
            Delivery.objects.select_for_update(of=("self",), skip_locked=True)
            .filter(pk__in=list(ids), status=Delivery.Status.PENDING, not_before__lte=now)
            .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
            .values_list("pk", flat=True)
        )
        Delivery.objects.filter(pk__in=claimed).update(
            lease_until=now + timedelta(seconds=LEASE_SECONDS)
        )
    return claimed


def _payload(push: Push, origin: str, unfollow_token: str | None) -> bytes:
    data = push.data
    body = {
        "title": data["title"],
        "body": data["body"],
        "url": origin + data["path"],
        "tag": data["tag"],
    }
    if unfollow_token:
        # The notification's "알림 끄기" button (static/sw.js) calls DELETE on this.
        body["unfollow_url"] = f"{origin}/api/follows/{unfollow_token}"
    return json.dumps(body, ensure_ascii=False).encode()


def _backoff(attempts: int, retry_after: float | None) -> float:
    base = min(BACKOFF_MAX_SECONDS, BACKOFF_BASE_SECONDS * 2 ** max(0, attempts - 1))
    return max(base if retry_after is None else 0, retry_after or 0)


_TABLE = Delivery._meta.db_table
_MARK_SENT = (
    f"UPDATE {_TABLE} SET status = 'sent', sent_at = %s, last_status = %s, "
    "attempts = attempts + 1, lease_until = NULL WHERE id = %s"
)
_MARK_RETRY = (
    f"UPDATE {_TABLE} SET not_before = %s, last_status = %s, attempts = attempts + 1, "
    "lease_until = NULL WHERE id = %s"
)


def _record(accepted: list[tuple], later: list[tuple]) -> None:
    """The sent markers (and retry times) of one round: one statement each, many rows."""
    adapt = connection.ops.adapt_datetimefield_value  # as the ORM stores them (UTC)
    with connection.cursor() as cursor:
        if accepted:
            cursor.executemany(_MARK_SENT, [(adapt(at), code, pk) for at, code, pk in accepted])
        if later:
            cursor.executemany(_MARK_RETRY, [(adapt(at), code, pk) for at, code, pk in later])


def send_batch(*, ids: list[int], now: datetime | None = None) -> dict[str, int]:
    """Send the claimed deliveries among ``ids``; returns counts by result."""
    now = now or timezone.now()
    claimed = _claim(ids, now)
    counts = {"sent": 0, "gone": 0, "retry": 0, "failed": 0}
    if not claimed:
        return counts
    rows = list(
        Delivery.objects.filter(pk__in=claimed).values_list(
            "pk",
            "push_id",
            "attempts",
            "subscription_id",
            "subscription__endpoint",
            "subscription__p256dh",
            "subscription__auth",
            "subscription__origin",
        )
    )
    pushes = {p.pk: p for p in Push.objects.filter(pk__in={r[1] for r in rows})}
    tokens: dict[tuple[int, int], str] = {}
    for push in pushes.values():
        if push.data.get("advertising"):
            tokens.update(
                ((push.pk, sub), token)
                for sub, token in Follow.objects.filter(
                    shop_id=push.shop_id, subscription_id__in=[r[3] for r in rows]
                ).values_list("subscription_id", "token")
            )
    info: dict[int, tuple[int, int, int]] = {}
    outgoing = []
    for pk, push_id, attempts, sub_id, endpoint, p256dh, auth, origin in rows:
        push = pushes[push_id]
        info[pk] = (push_id, attempts, sub_id)
        outgoing.append(
            webpush.Message(
                key=pk,
                subscription={"endpoint": endpoint, "keys": {"p256dh": p256dh, "auth": auth}},
                payload=_payload(push, origin, tokens.get((push_id, sub_id))),
                ttl=int(push.data.get("ttl", 3600)),
                urgency=push.data.get("urgency", "normal"),
                topic=push.data.get("topic"),
            )
        )
    retry_in: list[float] = []
    for answered in sender().send_rounds(outgoing):
        # Each round of answers is recorded in one transaction before the next is read.
        sent_now = timezone.now()
        accepted, later = [], []
        with transaction.atomic():
            for pk, outcome in answered:
                push_id, attempts, sub_id = info[pk]
                if outcome.accepted:
                    accepted.append((sent_now, outcome.status, pk))
                elif outcome.gone:
                    # The browser unsubscribed: forget it with everything it asked for.
                    SubscriptionRow.objects.filter(pk=sub_id).delete()
                    counts["gone"] += 1
                elif outcome.retryable and attempts + 1 < settings.WEB_PUSH_MAX_ATTEMPTS:
                    delay = _backoff(attempts + 1, outcome.retry_after)
                    later.append((sent_now + timedelta(seconds=delay), outcome.status, pk))
                    retry_in.append(delay)
                else:
                    Delivery.objects.filter(pk=pk).update(
                        status=Delivery.Status.FAILED,
                        attempts=attempts + 1,
                        last_status=outcome.status,
                        lease_until=None,
                    )
                    counts["failed"] += 1
                    logger.warning(
                        "push %s to subscription %s failed: %s", push_id, sub_id, outcome
                    )
            _record(accepted, later)
        counts["sent"] += len(accepted)
        counts["retry"] += len(later)
    if retry_in:
        from notify import tasks

        transaction.on_commit(
            partial(tasks.dispatch_task.schedule, delay=min(retry_in) + 1), robust=True
        )
    return counts


# --- every minute ---------------------------------------------------------------------------


def remind(*, now: datetime | None = None) -> int:
    """Reservations whose window ends within 30 minutes and that are not picked up yet: one
    reminder push each to the devices watching them."""
    from notify import services

    now = now or timezone.now()
    due = (
        ReservationWatch.objects.filter(
            reminded=False,
            reservation__status__in=Reservation.OPEN_STATUSES,
            reservation__pickup_ends_at__gt=now,
            reservation__pickup_ends_at__lte=now + REMIND_BEFORE,
        )
        .values_list("reservation_id", flat=True)
        .distinct()
    )
    made = 0
    for reservation_id in list(due):
        with transaction.atomic():
            services.reservation_push(
                reservation_id=reservation_id,
                kind=Push.Kind.REMINDER,
                build=messages.reminder,
                now=now,
                dedupe_key=f"reminder:{reservation_id}",
            )
            ReservationWatch.objects.filter(reservation_id=reservation_id).update(reminded=True)
        made += 1
    return made


def tick(*, now: datetime | None = None) -> dict[str, int]:
    """The worker's minute: reminders, pushes whose time came (a coalesced arrival, one whose
    scheduled task was lost), and deliveries due again (a retry, a night hold ending at 08:00,
    a crashed worker's lease running out)."""
    now = now or timezone.now()
    reminded = remind(now=now)
    fanned = 0
    for push_id in list(
        Push.objects.filter(state=Push.State.WAITING, due_at__lte=now).values_list("pk", flat=True)
    ):
        fanned += fan_out(push_id=push_id, now=now)
    return {"reminded": reminded, "fanned_out": fanned, "dispatched": dispatch(now=now)}


def prune(*, now: datetime | None = None, days: int = 7) -> int:
    """Drop pushes (and their delivery rows) older than ``days``."""
    now = now or timezone.now()
    deleted, _detail = (
        Push.objects.filter(created_at__lt=now - timedelta(days=days))
        .exclude(deliveries__status=Delivery.Status.PENDING)
        .delete()
    )
    return deleted


__all__ = ["dispatch", "fan_out", "prune", "remind", "send_batch", "tick"]
