"""Closing a day: a shop's (or a café's) one-off closure and the reservations it ends.

The closure and the cancellation of every open reservation on that day commit together: the
shop's calendar row is taken exclusively first (the place's partner shops' rows, for a café),
so a reservation in flight either commits before and is cancelled here, or waits and then
sees the closure and is refused with ``shop_closed`` (pickup/services/__init__.py, lock
order). The stock of each cancelled reservation returns through livestock's service, live.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from livestock.models import Listing
from livestock.services import Actor
from pickup.models import PickupPlace, PickupPoint, PlaceClosure, Reservation
from pickup.services.checks import RawInput, check_id
from pickup.services.reservations import cancel_reservation
from shops.errors import Conflict, NotFound, PermissionDenied
from shops.models import Shop, ShopClosure
from shops.selectors import describe_day
from shops.services import (
    add_shop_closure_in_transaction,
    check_closure,
    check_weekly_hours,
    lock_shop_calendars,
    shop_calendar_row,
)

OWNER = Actor(label="owner")
MAX_REASON = 200


@dataclass(frozen=True)
class DayClosed:
    closure: ShopClosure | PlaceClosure
    cancelled: list[Reservation]


def _now(now: datetime | None) -> datetime:
    return now if now is not None else timezone.now()


def _affected(*, shop: Shop | None, place: PickupPlace | None, day: date):
    queryset = Reservation.objects.open().filter(date=day)
    if place is not None:
        return queryset.filter(pickup_point__place_id=place.pk)
    return queryset.filter(shop_id=shop.pk)


def _owned_place(shop: Shop, place_id: RawInput) -> PickupPlace:
    place_id = check_id(
        place_id, code="pickup_place_not_found", detail=_("픽업 장소를 찾을 수 없습니다.")
    )
    place = PickupPlace.objects.filter(pk=place_id).first()
    if place is None or not PickupPoint.objects.filter(shop=shop, place=place).exists():
        raise NotFound(_("이 가게의 픽업 장소가 아닙니다."), code="pickup_place_not_found")
    if place.owner_shop_id not in (None, shop.pk):
        raise PermissionDenied(
            _("이 장소의 휴무일은 장소를 관리하는 가게만 정할 수 있습니다."),
            code="place_not_owned",
        )
    return place


def closure_impact(
    *, shop: Shop, day: RawInput, place_id: RawInput = None, now: datetime | None = None
) -> int:
    """How many open reservations closing ``day`` would cancel (asked before confirming)."""
    today = timezone.localtime(_now(now)).date()
    day, _reason = check_closure(day=day, reason="", today=today)
    place = _owned_place(shop, place_id) if place_id is not None else None
    return _affected(shop=shop, place=place, day=day).count()


def _cancel_reason(day: date, reason: str) -> str:
    text = _("%(day)s 휴무로 가게에서 취소했습니다.") % {"day": describe_day(day)}
    if reason:
        text = f"{text} {reason}"
    return text[:MAX_REASON]


def close_day(
    *,
    shop: Shop,
    day: RawInput,
    reason: RawInput = "",
    place_id: RawInput = None,
    now: datetime | None = None,
) -> DayClosed:
    """The owner closes one day (the whole shop, or one of its cafés with ``place_id``):
    the closure and the cancellation, with the reason, of every open reservation on that day
    commit together; their stock goes back on sale at once."""
    now = _now(now)
    today = timezone.localtime(now).date()
    day, reason = check_closure(day=day, reason=reason, today=today)
    place = _owned_place(shop, place_id) if place_id is not None else None
    if place is None:
        shop_ids = [shop.pk]
    else:
        shop_ids = list(
            PickupPoint.objects.filter(place=place).values_list("shop_id", flat=True).distinct()
        )
    # The rows to lock exist (and are committed) before the transaction that locks them.
    for other in Shop.objects.filter(pk__in=shop_ids):
        shop_calendar_row(other)
    with transaction.atomic():
        lock_shop_calendars(shop_ids)
        if place is None:
            closure = add_shop_closure_in_transaction(shop=shop, day=day, reason=reason)
        else:
            if PlaceClosure.objects.filter(place=place, date=day).exists():
                raise Conflict(_("이미 휴무일로 정한 날입니다."), code="closure_exists")
            closure = PlaceClosure.objects.create(place=place, date=day, reason=reason)
        cancel_text = _cancel_reason(day, reason)
        cancelled = []
        ids = list(
            _affected(shop=shop, place=place, day=day).order_by("pk").values_list("pk", flat=True)
        )
        # In the lock order: every affected reservation, then every listing they return to,
        # before the first stock change takes the shop row.
        listing_ids = list(
            Reservation.objects.select_for_update(of=("self",))
            .filter(pk__in=ids)
            .order_by("pk")
            .values_list("listing_id", flat=True)
        )
        list(
            Listing.objects.select_for_update(of=("self",))
            .filter(pk__in=sorted(set(listing_ids)))
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        for reservation_id in ids:
            cancelled.append(
                cancel_reservation(
                    reservation_id=reservation_id,
                    by=Reservation.CancelledBy.SHOP,
                    reason=cancel_text,
                    actor=OWNER,
                    now=now,
                )
            )
    return DayClosed(closure=closure, cancelled=cancelled)


def reopen_day(*, shop: Shop, closure_id: RawInput, place_id: RawInput = None) -> None:
    """Remove a closure (reservations it cancelled stay cancelled)."""
    closure_id = check_id(
        closure_id, code="closure_not_found", detail=_("휴무일을 찾을 수 없습니다.")
    )
    if place_id is None:
        deleted, _detail = ShopClosure.objects.filter(pk=closure_id, shop=shop).delete()
    else:
        place = _owned_place(shop, place_id)
        deleted, _detail = PlaceClosure.objects.filter(pk=closure_id, place=place).delete()
    if not deleted:
        raise NotFound(_("휴무일을 찾을 수 없습니다."), code="closure_not_found")


def set_place_hours(*, shop: Shop, place_id: RawInput, weekly: RawInput) -> PickupPlace:
    """The café's own weekly hours (set by the shop that manages the place)."""
    place = _owned_place(shop, place_id)
    hours = check_weekly_hours(weekly)
    with transaction.atomic():
        place = PickupPlace.objects.select_for_update(of=("self",)).get(pk=place.pk)
        place.weekly_hours = hours
        place.save(update_fields=["weekly_hours"])
    return place
