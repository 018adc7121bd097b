"""What people ask of notifications, one function per intention, and how the business events
of the floors below become pushes.

Asking: follow a shop (topics, night consent), unfollow, a restock alert, a reservation's
pushes, an owner's "새 예약". Each owns its transaction and records the advertising consent
it implies (``Consent``) in it. Subscriptions are checked by ``shops.push_subscriptions``
(the endpoint host against ``WEB_PUSH_ENDPOINT_HOSTS``) before anything is written.

Reacting (``on_event``, connected to ``shops.events.happened`` in notify/receivers.py): runs
inside the change's transaction and only writes a ``Push`` row there; the fan-out to
subscriptions is scheduled with ``transaction.on_commit``, so a change that rolls back never
sends anything. Sending is notify/delivery.py, run by the worker (notify/tasks.py).
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from livestock.models import Listing, StockEvent
from notify import messages
from notify.models import (
    Consent,
    Delivery,
    Follow,
    Push,
    ReservationWatch,
    RestockAlert,
    StaffAlert,
    Subscription,
)
from pickup.models import Reservation
from shops import events
from shops.errors import InvalidInput, NotFound
from shops.models import Shop
from shops.push_subscriptions import Subscription as CleanSubscription
from shops.push_subscriptions import clean_subscription

TOPICS = ("arrivals", "restock")


def _endpoint_hash(endpoint: str) -> str:
    return hashlib.sha256(endpoint.encode()).hexdigest()


def _clean(subscription: Any) -> CleanSubscription:
    if isinstance(subscription, CleanSubscription):
        return subscription
    return clean_subscription(subscription)


def _clean_topics(value: Any) -> list[str]:
    if value is None:
        return list(TOPICS)
    if (
        not isinstance(value, list)
        or not value
        or not all(isinstance(t, str) and t in TOPICS for t in value)
    ):
        raise InvalidInput(
            _("알림 주제는 arrivals(오늘 입고), restock(재입고) 중에서 하나 이상 골라 주세요."),
            code="invalid_topics",
        )
    return [t for t in TOPICS if t in value]


def _clean_night(value: Any) -> bool:
    if value is None:
        return False
    if not isinstance(value, bool):
        raise InvalidInput(
            _("야간 알림 동의(night)는 true 또는 false로 보내 주세요."), code="invalid_night"
        )
    return value


def _store_subscription(clean: CleanSubscription, origin: str) -> Subscription:
    """The browser's subscription, by endpoint: new keys replace old ones."""
    fields = {"p256dh": clean.p256dh, "auth": clean.auth, "origin": origin[:200]}
    for _attempt in range(2):
        try:
            with transaction.atomic():
                row, _created = Subscription.objects.update_or_create(
                    endpoint=clean.endpoint, defaults=fields
                )
                return row
        except IntegrityError:  # the same browser, twice at once: the other one won
            continue
    return Subscription.objects.get(endpoint=clean.endpoint)


def follow_shop(
    *,
    shop: Shop,
    subscription: Any,
    topics: Any = None,
    night: Any = False,
    origin: str,
    now: datetime | None = None,
) -> Follow:
    """단골: this device hears of the shop's arrivals and/or restocks. The same device again
    updates its choice (one follow per device and shop)."""
    clean = _clean(subscription)
    chosen = _clean_topics(topics)
    night = _clean_night(night)
    now = now or timezone.now()
    for attempt in range(2):
        try:
            return _save_follow(shop, clean, chosen, night, origin, now)
        except IntegrityError:
            # Two tabs of one browser at once: the other one created it; now update it.
            if attempt:
                raise
    raise AssertionError("unreachable")


def _save_follow(shop, clean, chosen, night, origin, now) -> Follow:
    with transaction.atomic():
        sub = _store_subscription(clean, origin)
        follow = (
            Follow.objects.select_for_update(of=("self",))
            .filter(subscription=sub, shop=shop)
            .first()
        )
        action = Consent.Action.CHANGED if follow else Consent.Action.GRANTED
        if follow is None:
            follow = Follow(subscription=sub, shop=shop, created_at=now)
        follow.arrivals = "arrivals" in chosen
        follow.restock = "restock" in chosen
        follow.night = night
        follow.updated_at = now
        follow.save()
        Consent.objects.create(
            endpoint_hash=_endpoint_hash(clean.endpoint),
            shop=shop,
            action=action,
            topics=chosen,
            night=night,
            at=now,
        )
    return follow


def unfollow(*, token: Any, now: datetime | None = None) -> None:
    """Stop a follow; nothing more of that shop's advertising reaches the device (pushes
    already waiting for it, night-held ones included, are dropped)."""
    if not isinstance(token, str) or not token:
        raise NotFound(_("알림 설정을 찾을 수 없습니다."), code="follow_not_found")
    with transaction.atomic():
        follow = (
            Follow.objects.select_for_update(of=("self",))
            .select_related("subscription")
            .filter(token=token)
            .first()
        )
        if follow is None:
            raise NotFound(_("알림 설정을 찾을 수 없습니다."), code="follow_not_found")
        Delivery.objects.filter(
            subscription_id=follow.subscription_id,
            push__shop_id=follow.shop_id,
            push__kind__in=(Push.Kind.ARRIVAL, Push.Kind.RESTOCK),
            status=Delivery.Status.PENDING,
        ).delete()
        Consent.objects.create(
            endpoint_hash=_endpoint_hash(follow.subscription.endpoint),
            shop_id=follow.shop_id,
            action=Consent.Action.WITHDRAWN,
            topics=[],
            at=now or timezone.now(),
        )
        follow.delete()


def add_restock_alert(
    *, listing_id: int, subscription: Any, origin: str, now: datetime | None = None
) -> RestockAlert:
    """ "다시 들어오면 알림": one push when this listing goes from 0 back above 0."""
    clean = _clean(subscription)
    listing = (
        Listing.objects.select_related("shop")
        .filter(pk=listing_id, shop__is_active=True, is_active=True)
        .first()
    )
    if listing is None:
        raise NotFound(_("상품을 찾을 수 없습니다."), code="listing_not_found")
    now = now or timezone.now()
    with transaction.atomic():
        sub = _store_subscription(clean, origin)
        alert, created = RestockAlert.objects.get_or_create(
            subscription=sub, listing=listing, defaults={"created_at": now}
        )
        if created:
            Consent.objects.create(
                endpoint_hash=_endpoint_hash(clean.endpoint),
                shop=listing.shop,
                listing_id=listing.pk,
                action=Consent.Action.GRANTED,
                topics=["restock"],
                at=now,
            )
    return alert


def replace_subscription(*, old_endpoint: Any, subscription: Any, origin: str) -> Subscription:
    """The browser renewed its subscription (``pushsubscriptionchange``): what the old one
    asked for moves to the new one. Knowing the old endpoint is the proof."""
    clean = _clean(subscription)
    with transaction.atomic():
        old = (
            Subscription.objects.select_for_update(of=("self",))
            .filter(endpoint=old_endpoint)
            .first()
            if isinstance(old_endpoint, str) and old_endpoint
            else None
        )
        if old is None or old.endpoint == clean.endpoint:
            return _store_subscription(clean, origin)
        if Subscription.objects.filter(endpoint=clean.endpoint).exists():
            old.delete()  # the new one is known already; keep it as it is
            return Subscription.objects.get(endpoint=clean.endpoint)
        old.endpoint, old.p256dh, old.auth = clean.endpoint, clean.p256dh, clean.auth
        old.origin = origin[:200]
        old.save(update_fields=["endpoint", "p256dh", "auth", "origin"])
        return old


def device_follows(*, endpoint: Any) -> list[Follow]:
    """What this device follows (its endpoint is its proof: only the browser knows it)."""
    if not isinstance(endpoint, str) or not endpoint:
        return []
    return list(
        Follow.objects.filter(subscription__endpoint=endpoint)
        .select_related("shop")
        .order_by("shop__name")
    )


def watch_reservation(*, reservation: Reservation, subscription: Any, origin: str) -> None:
    """A reservation's pushes (ready, 30 minutes before the window ends, cancelled by the
    shop) go to this device. Transactional messages: no advertising consent needed."""
    clean = _clean(subscription)
    with transaction.atomic():
        sub = _store_subscription(clean, origin)
        ReservationWatch.objects.get_or_create(subscription=sub, reservation=reservation)


def alert_new_reservations(
    *, shop: Shop, user: AbstractBaseUser, subscription: Any, origin: str
) -> StaffAlert:
    """An owner's or staff member's phone opts in to "새 예약" for this shop."""
    clean = _clean(subscription)
    with transaction.atomic():
        sub = _store_subscription(clean, origin)
        alert, _created = StaffAlert.objects.update_or_create(
            subscription=sub, shop=shop, defaults={"user": user}
        )
    return alert


def stop_new_reservation_alerts(*, shop: Shop, endpoint: Any) -> int:
    if not isinstance(endpoint, str):
        return 0
    deleted, _detail = StaffAlert.objects.filter(
        shop=shop, subscription__endpoint=endpoint
    ).delete()
    return deleted


# --- business events → pushes --------------------------------------------------------------


def _schedule_fan_out(push: Push, *, delay: float = 0) -> None:
    from notify import tasks  # the worker's entry points (tasks import delivery, not this)

    if delay > 0:
        call = partial(tasks.fan_out_task.schedule, (push.pk,), delay=delay)
    else:
        call = partial(tasks.fan_out_task, push.pk)
    transaction.on_commit(call, robust=True)


def _arrival(event: events.BusinessEvent, now: datetime) -> None:
    if not Follow.objects.filter(shop_id=event.shop_id, arrivals=True).exists():
        return
    item = event.data["listing"]
    item = {k: item.get(k) for k in ("id", "name", "available", "unit")}
    # The stock service holds the shop's row lock: posts of one shop come here one at a time.
    push = (
        Push.objects.select_for_update(of=("self",))
        .filter(shop_id=event.shop_id, kind=Push.Kind.ARRIVAL, state=Push.State.WAITING)
        .first()
    )
    shop = Shop.objects.only("name", "slug").get(pk=event.shop_id)
    if push is not None:
        items = [*push.data.get("items", []), item]
        push.data = messages.arrival(
            shop_id=shop.pk, shop_name=shop.name, shop_slug=shop.slug, items=items
        )
        push.save(update_fields=["data"])
        return
    delay = settings.WEB_PUSH_ARRIVAL_DELAY_SECONDS
    push = Push.objects.create(
        kind=Push.Kind.ARRIVAL,
        shop_id=shop.pk,
        listing_id=item["id"],
        data=messages.arrival(
            shop_id=shop.pk, shop_name=shop.name, shop_slug=shop.slug, items=[item]
        ),
        due_at=now + timedelta(seconds=delay),
        created_at=now,
    )
    _schedule_fan_out(push, delay=delay)


def _restock(event: events.BusinessEvent, now: datetime) -> None:
    data = event.data
    available, delta = data.get("available", 0), data.get("delta", 0)
    was_sold_out = available - delta == 0
    # The first count of a new listing is an arrival, not a restock.
    if data.get("reason") == StockEvent.Reason.ARRIVAL or not (was_sold_out and available > 0):
        return
    listing_id = data["listing_id"]
    if not (
        RestockAlert.objects.filter(listing_id=listing_id).exists()
        or Follow.objects.filter(shop_id=event.shop_id, restock=True).exists()
    ):
        return
    listing = Listing.objects.select_related("shop").get(pk=listing_id)
    push = Push.objects.create(
        kind=Push.Kind.RESTOCK,
        shop_id=event.shop_id,
        listing_id=listing_id,
        data=messages.restock(
            shop_name=listing.shop.name,
            shop_slug=listing.shop.slug,
            listing={
                "id": listing.pk,
                "name": listing.name,
                "available": available,
                "unit": listing.unit,
            },
        ),
        due_at=now,
        dedupe_key=f"restock:{listing_id}:{event.version}",
        created_at=now,
    )
    _schedule_fan_out(push)


RESERVATION_PUSHES = {
    events.RESERVATION_READY: (Push.Kind.READY, messages.ready),
    events.RESERVATION_CANCELLED: (Push.Kind.CANCELLED, messages.cancelled),
    events.RESERVATION_CREATED: (Push.Kind.NEW_RESERVATION, messages.new_reservation),
}


def reservation_push(
    *, reservation_id: int, kind: str, build, now: datetime, dedupe_key: str
) -> Push | None:
    reservation = (
        Reservation.objects.select_related("shop", "pickup_point__place")
        .filter(pk=reservation_id)
        .first()
    )
    if reservation is None:
        return None
    push, created = Push.objects.get_or_create(
        dedupe_key=dedupe_key,
        defaults={
            "kind": kind,
            "shop_id": reservation.shop_id,
            "reservation": reservation,
            "data": build(reservation, now=now),
            "due_at": now,
            "created_at": now,
        },
    )
    if created:
        _schedule_fan_out(push)
    return push


def _reservation(event: events.BusinessEvent, now: datetime) -> None:
    kind, build = RESERVATION_PUSHES[event.type]
    reservation_id = event.data["id"]
    if kind == Push.Kind.NEW_RESERVATION:
        if not StaffAlert.objects.filter(shop_id=event.shop_id).exists():
            return
    else:
        if kind == Push.Kind.CANCELLED and event.data.get("cancelled_by") != "shop":
            return
        if not ReservationWatch.objects.filter(reservation_id=reservation_id).exists():
            return
    reservation_push(
        reservation_id=reservation_id,
        kind=kind,
        build=build,
        now=now,
        dedupe_key=f"{kind}:{reservation_id}",
    )


def alert_owner(*, shop_id: int, key: str, title: str, body: str, path: str) -> Push | None:
    """Something needs the owner's attention (shops.signals.owner_alert, or a new review):
    one push per ``key`` to the phones that asked for "새 예약" (owner and staff alerts)."""
    if not StaffAlert.objects.filter(shop_id=shop_id).exists():
        return None
    now = timezone.now()
    push, created = Push.objects.get_or_create(
        dedupe_key=f"owner:{key}"[:100],
        defaults={
            "kind": Push.Kind.OWNER_ALERT,
            "shop_id": shop_id,
            "data": messages.owner_alert(title=title, body=body, path=path, key=key),
            "due_at": now,
            "created_at": now,
        },
    )
    if created:
        _schedule_fan_out(push)
    return push


def _new_review(event: events.BusinessEvent) -> None:
    data = event.data
    stars = "★" * int(data.get("rating") or 0)
    alert_owner(
        shop_id=event.shop_id,
        key=f"review:{data['review_id']}",
        title=f"새 리뷰 {stars} · {data.get('item_name', '')}"[:120],
        body="리뷰를 읽고 답글을 남겨 보세요. 솔직한 리뷰는 지우지 않고 답글로 답합니다.",
        path=reverse("owner:reviews", kwargs={"slug": event.shop_slug}),
    )


def on_event(event: events.BusinessEvent) -> None:
    """Inside the change's transaction: write the push row, schedule its fan-out on commit."""
    now = timezone.now()
    if event.type == events.REVIEW_CREATED:
        _new_review(event)
    elif event.type == events.LISTING_CREATED:
        _arrival(event, now)
    elif event.type == events.STOCK_CHANGED:
        _restock(event, now)
    elif event.type in RESERVATION_PUSHES:
        _reservation(event, now)
