"""Writes about pickup points: the shop's own counter and partner cafés.

A PickupPlace is the physical counter; a PickupPoint is one shop's partnership with it. Every
point a shop offers must lie inside that shop's service area: adding, moving, partnering or
resuming one outside is refused with ``outside_service_area`` and the distance. Shrinking the
area pauses the points left outside and never deletes them.

Reservations: one function per thing a customer, owner or café means to do, each owning its
transaction. Stock moves only through ``livestock.services`` (the same conditional decrement,
version bump, StockEvent and broadcast as every other count change), inside the
reservation's own transaction, so a reservation and the stock it took commit or roll back
together. Status changes are announced after commit.

Lock order (the one order for the whole project; livestock/services.py and shops/services.py
follow it too). A transaction takes row locks only in this order, and skips those it does not
need:

    idempotency key → pickup window → reservation → listing → shop → pickup point → place

* The idempotency key is claimed first (an INSERT into a unique index, livestock/idempotency.py).
* Pickup windows: all windows of one point in one ``ORDER BY starts_at, pk`` statement.
* The shop row is locked by the stock version bump (an UPDATE in livestock/services.py) after
  the listing, or, by writes that lock nothing before it (service area, the shop's counter),
  with ``FOR NO KEY UPDATE`` so rows that merely point at the shop can still be inserted.
* Pickup points and their places are locked only after the shop (the service area pausing
  points outside it) or alone (pausing, moving, partnering one point).

Every ``select_for_update`` names ``of=("self",)``: a ``select_related`` join must never lock
the joined rows too, which would take e.g. the shop before the listing and deadlock against
any stock change (tests/pickup/test_lock_order.py proves both the SQL and the race).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Max, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from redis.exceptions import RedisError

from livestock import media
from livestock.idempotency import run_once
from livestock.models import Listing, ListingOption, StockEvent
from livestock.services import Actor, change_stock_in_transaction
from pickup import codes
from pickup.clients import Client
from pickup.models import (
    PartnerInvitation,
    PickupPlace,
    PickupPoint,
    PickupWindow,
    Reservation,
    ReservationEvent,
)
from pickup.payloads import reservation_payload, reservation_staff_payload
from pickup.streams import record_reservation_change
from shops import geo
from shops.auth import MANAGING_ROLES, shops_for_user
from shops.errors import Conflict, InvalidInput, NotFound, PermissionDenied, RateLimited
from shops.models import Shop
from shops.services import (
    OutsideServiceArea,
    check_in_service_area,
    parse_point,
    service_area,
)
from shops.validation import clean_text

Status = PickupPoint.Status

logger = logging.getLogger(__name__)


def _text(value: Any, label: str, max_length: int, *, required: bool = False) -> str:
    return clean_text(value, label=label, max_length=max_length, required=required)


def _time(value: Any, label: str) -> time | None:
    if value in (None, ""):
        return None
    if isinstance(value, time):
        return value
    if isinstance(value, str) and len(value) <= 8:
        try:
            return time.fromisoformat(value)
        except ValueError:
            pass
    raise InvalidInput(_("%(field)s은(는) 09:30 같은 시각으로 입력해 주세요.") % {"field": label})


def _point(shop: Shop, point_id: Any, *, lock: bool = False) -> PickupPoint:
    if isinstance(point_id, bool) or not isinstance(point_id, int) or point_id <= 0:
        raise NotFound(_("픽업 지점을 찾을 수 없습니다."), code="pickup_point_not_found")
    queryset = PickupPoint.objects.select_related("place", "shop")
    if lock:
        queryset = queryset.select_for_update(of=("self",))
    point = queryset.filter(pk=point_id, shop=shop).first()
    if point is None:
        raise NotFound(_("픽업 지점을 찾을 수 없습니다."), code="pickup_point_not_found")
    return point


def _shops_at(place: PickupPlace) -> set[int]:
    return set(PickupPoint.objects.filter(place=place).values_list("shop_id", flat=True))


def place_editable_by(place: PickupPlace, shop_ids: Iterable[int]) -> bool:
    """Only the owning shop edits a place; one without an owner, whoever runs every shop
    offering it. A partner shop never changes a café another shop looks after."""
    mine = set(shop_ids)
    if place.owner_shop_id is not None:
        return place.owner_shop_id in mine
    return _shops_at(place) <= mine


def ensure_shop_counter(shop: Shop) -> PickupPoint:
    """The shop's own counter as a pickup point, created once and kept at the shop's place.

    The counter's place is the shop's alone: if it is found owned or used by another shop
    (rows written before places had owners), that place is left untouched and the counter
    gets a place of its own again.
    """
    with transaction.atomic():
        point = (PickupPoint.objects.select_related("place")
                 .filter(shop=shop, is_shop_counter=True).first())
        wanted = {"name": shop.name[:80], "address": shop.address, "lat": shop.lat,
                  "lng": shop.lng, "opening_hours": shop.opening_hours, "contact": shop.phone}
        if point is None:
            Shop.objects.select_for_update(of=("self",), no_key=True).filter(pk=shop.pk).first()
            point = (PickupPoint.objects.select_related("place")
                     .filter(shop=shop, is_shop_counter=True).first())
            if point is None:
                place = PickupPlace.objects.create(owner_shop=shop, **wanted)
                return PickupPoint.objects.create(shop=shop, place=place, is_shop_counter=True)
        place = point.place
        if place.owner_shop_id not in (None, shop.pk) or _shops_at(place) != {shop.pk}:
            logger.warning("shop %s: counter place %s is not its own; giving it its own place",
                           shop.pk, place.pk)
            point.place = PickupPlace.objects.create(owner_shop=shop, **wanted)
            point.save(update_fields=["place"])
            return point
        changed = [name for name, value in wanted.items() if getattr(place, name) != value]
        if place.owner_shop_id is None:
            place.owner_shop = shop
            changed.append("owner_shop")
        if changed:
            for name in changed:
                setattr(place, name, wanted.get(name, getattr(place, name)))
            place.save(update_fields=changed)
        return point


def _next_position(shop: Shop) -> int:
    current = PickupPoint.objects.filter(shop=shop).aggregate(top=Max("position"))["top"]
    return min(32767, (current or 0) + 1)


def add_pickup_point(
    shop: Shop,
    *,
    name: Any,
    lat: Any,
    lng: Any,
    address: Any = "",
    opening_hours: Any = "",
    opens_at: Any = None,
    closes_at: Any = None,
    contact: Any = "",
    handover_notes: Any = "",
    photo: Any = None,
) -> PickupPoint:
    """A new partner café (place + this shop's partnership), refused outside the area."""
    fields = {
        "name": _text(name, _("이름"), 80, required=True),
        "address": _text(address, _("주소"), 200),
        "opening_hours": _text(opening_hours, _("영업시간 안내"), 200),
        "contact": _text(contact, _("연락처"), 40),
        "handover_notes": _text(handover_notes, _("수령 안내"), 300),
        "opens_at": _time(opens_at, _("여는 시각")),
        "closes_at": _time(closes_at, _("닫는 시각")),
    }
    lat_f, lng_f, _distance = check_in_service_area(shop, lat, lng)
    with transaction.atomic():
        place = PickupPlace(lat=lat_f, lng=lng_f, owner_shop=shop, **fields)
        if photo:
            media.check_photo(photo)
            place.photo = photo
        place.save()
        return PickupPoint.objects.create(shop=shop, place=place, position=_next_position(shop))


def _partnerable_place(shop: Shop, place_id: Any) -> PickupPlace:
    if isinstance(place_id, bool) or not isinstance(place_id, int) or not 0 < place_id < 2**62:
        raise NotFound(_("픽업 장소를 찾을 수 없습니다."), code="pickup_place_not_found")
    place = PickupPlace.objects.filter(pk=place_id).first()
    if place is None:
        raise NotFound(_("픽업 장소를 찾을 수 없습니다."), code="pickup_place_not_found")
    if PickupPoint.objects.filter(place=place, is_shop_counter=True).exclude(shop=shop).exists():
        raise Conflict(_("다른 가게의 매장은 픽업 지점으로 함께 쓸 수 없습니다."),
                       code="place_is_shop_counter")
    check_in_service_area(shop, place.lat, place.lng)
    return place


def _consent_needed(shop: Shop, place: PickupPlace, user: Any) -> bool:
    """Partnering another shop's café needs that shop's yes, unless the caller runs it too."""
    if place.owner_shop_id is None or place.owner_shop_id == shop.pk:
        return False
    if user is None or not getattr(user, "is_authenticated", False):
        return True
    return not shops_for_user(user, MANAGING_ROLES).filter(pk=place.owner_shop_id).exists()


def partner_place(shop: Shop, place_id: Any, *, user: Any = None
                  ) -> PickupPoint | PartnerInvitation:
    """Offer an existing place as this shop's pickup point too.

    A place this shop owns, one with no owner, or one whose owning shop ``user`` also runs
    becomes a point at once. Another shop's café needs that shop's consent: the answer is
    then a pending ``PartnerInvitation`` and nothing is usable until it is accepted.
    """
    place = _partnerable_place(shop, place_id)
    with transaction.atomic():
        existing = (PickupPoint.objects.select_for_update(of=("self",))
                    .filter(shop=shop, place=place).first())
        if existing is not None:
            if existing.status == Status.ACTIVE:
                raise Conflict(_("이미 이 가게의 픽업 지점입니다."), code="already_partnered")
            existing.status, existing.paused_reason = Status.ACTIVE, ""
            existing.save(update_fields=["status", "paused_reason"])
            return existing
        if not _consent_needed(shop, place, user):
            if place.owner_shop_id is None and not _shops_at(place):
                PickupPlace.objects.filter(pk=place.pk, owner_shop__isnull=True).update(
                    owner_shop=shop)
            return PickupPoint.objects.create(shop=shop, place=place,
                                              position=_next_position(shop))
    return invite_partner(shop=shop, place_id=place.pk, user=user)


def invite_partner(*, shop: Shop, place_id: Any, user: Any = None) -> PartnerInvitation:
    """Ask the shop that owns a café to let ``shop`` offer it too (idempotent while pending)."""
    place = _partnerable_place(shop, place_id)
    if place.owner_shop_id is None or place.owner_shop_id == shop.pk:
        raise Conflict(_("이 장소는 수락 없이 바로 함께 쓸 수 있습니다."), code="invitation_not_needed")
    if PickupPoint.objects.filter(shop=shop, place=place).exists():
        raise Conflict(_("이미 이 가게의 픽업 지점입니다."), code="already_partnered")
    invited_by = user if getattr(user, "is_authenticated", False) else None
    with transaction.atomic():
        invitation, _created = PartnerInvitation.objects.get_or_create(
            shop=shop, place=place, status=PartnerInvitation.Status.PENDING,
            defaults={"invited_by": invited_by})
    return invitation


def _pending_invitation(owner_shop: Shop, invitation_id: Any) -> PartnerInvitation:
    """Lock an invitation addressed to ``owner_shop`` (the café's owner) and still pending."""
    invitation_id = _check_id(invitation_id, code="invitation_not_found",
                              detail=_("제휴 요청을 찾을 수 없습니다."))
    invitation = (PartnerInvitation.objects.select_for_update(of=("self",))
                  .select_related("shop", "place")
                  .filter(pk=invitation_id, place__owner_shop=owner_shop).first())
    if invitation is None:
        raise NotFound(_("제휴 요청을 찾을 수 없습니다."), code="invitation_not_found")
    if not invitation.is_pending:
        raise Conflict(_("이미 답한 제휴 요청입니다."), code="invitation_decided")
    return invitation


def _decide(invitation: PartnerInvitation, status: str, user: Any) -> None:
    invitation.status, invitation.decided_at = status, timezone.now()
    invitation.decided_by = user if getattr(user, "is_authenticated", False) else None
    invitation.save(update_fields=["status", "decided_at", "decided_by"])


def accept_partner_invitation(*, shop: Shop, invitation_id: Any, user: Any = None
                              ) -> PickupPoint:
    """The café's owning shop says yes: the asking shop's pickup point is made (if the café is
    still inside that shop's area)."""
    with transaction.atomic():
        invitation = _pending_invitation(shop, invitation_id)
        asking, place = invitation.shop, invitation.place
        check_in_service_area(asking, place.lat, place.lng)
        point = PickupPoint.objects.filter(shop=asking, place=place).first()
        if point is None:
            point = PickupPoint.objects.create(shop=asking, place=place,
                                               position=_next_position(asking))
        _decide(invitation, PartnerInvitation.Status.ACCEPTED, user)
        return point


def decline_partner_invitation(*, shop: Shop, invitation_id: Any, user: Any = None
                               ) -> PartnerInvitation:
    """The café's owning shop says no: nothing changes for the asking shop."""
    with transaction.atomic():
        invitation = _pending_invitation(shop, invitation_id)
        _decide(invitation, PartnerInvitation.Status.DECLINED, user)
        return invitation


def move_pickup_point(shop: Shop, point_id: Any, *, lat: Any, lng: Any,
                      address: Any = None) -> PickupPoint:
    """Move a partner café this shop alone uses; the new spot must be inside the area."""
    lat_f, lng_f, _distance = check_in_service_area(shop, lat, lng)
    new_address = None if address is None else _text(address, _("주소"), 200)
    with transaction.atomic():
        point = _point(shop, point_id, lock=True)
        if point.is_shop_counter:
            raise Conflict(_("가게 매장 위치는 가게 위치를 바꾸면 함께 바뀝니다."),
                           code="counter_moves_with_shop")
        if (not place_editable_by(point.place, [shop.pk])
                or PickupPoint.objects.filter(place=point.place).exclude(pk=point.pk).exists()):
            raise Conflict(_("다른 가게와 함께 쓰는 장소라 옮길 수 없습니다. 새 지점으로 추가해 주세요."),
                           code="place_shared")
        place = point.place
        place.lat, place.lng = lat_f, lng_f
        update = ["lat", "lng"]
        if new_address is not None:
            place.address = new_address
            update.append("address")
        place.save(update_fields=update)
        return point


def pause_pickup_point(shop: Shop, point_id: Any, reason: Any = "") -> PickupPoint:
    reason_text = _text(reason, _("중지 사유"), 200)
    with transaction.atomic():
        point = _point(shop, point_id, lock=True)
        if point.is_shop_counter:
            raise Conflict(_("가게 매장 픽업은 중지할 수 없습니다."), code="counter_always_open")
        point.status, point.paused_reason = Status.PAUSED, reason_text
        point.save(update_fields=["status", "paused_reason"])
        return point


def resume_pickup_point(shop: Shop, point_id: Any) -> PickupPoint:
    with transaction.atomic():
        point = _point(shop, point_id, lock=True)
        check_in_service_area(shop, point.place.lat, point.place.lng)
        point.status, point.paused_reason = Status.ACTIVE, ""
        point.save(update_fields=["status", "paused_reason"])
        return point


def pause_points_outside(shop: Shop) -> list[str]:
    """Pause this shop's active partner points now outside its area; their labels."""
    area = service_area(shop)
    paused = []
    points = (PickupPoint.objects.select_for_update(of=("self",)).select_related("place")
              .filter(shop=shop, status=Status.ACTIVE, is_shop_counter=False))
    for point in points:
        check = area.check(point.place.lat, point.place.lng)
        if check.inside:
            continue
        label = f"{point.place.name} ({geo.format_distance(check.distance_m)})"
        point.status = Status.PAUSED
        point.paused_reason = _("서비스 구역을 바꾸면서 구역 밖이 되어 일시 중지했습니다.")
        point.save(update_fields=["status", "paused_reason"])
        paused.append(label)
    return paused


def check_place_for_shops(place: PickupPlace, lat: Any, lng: Any) -> None:
    """Before moving a place: every shop actively offering it must still contain it."""
    for point in (PickupPoint.objects.select_related("shop")
                  .filter(place=place, status=Status.ACTIVE, is_shop_counter=False)):
        lat_f, lng_f = parse_point(lat, lng)
        check = service_area(point.shop).check(lat_f, lng_f)
        if not check.inside:
            raise OutsideServiceArea(point.shop, check)


# Fields of a counter's place that follow the shop (ensure_shop_counter writes them).
COUNTER_FIELDS = ("name", "address", "lat", "lng", "opening_hours", "contact")


def edit_pickup_place(*, place_id: Any, user: Any, changes: dict[str, Any]) -> PickupPlace:
    """An owner changes a place's details (the admin's place form).

    Only a manager of the owning shop may (or, for a place with no owner, of every shop
    offering it); a counter's name, address, location, hours text and phone follow its shop;
    a move must stay inside every shop offering the place; new opening hours must still hold
    every active pickup window at the place, so no shop's reservations start failing.
    """
    place_id = _check_id(place_id, code="pickup_place_not_found",
                         detail=_("픽업 장소를 찾을 수 없습니다."))
    with transaction.atomic():
        place = PickupPlace.objects.select_for_update(of=("self",)).filter(pk=place_id).first()
        if place is None:
            raise NotFound(_("픽업 장소를 찾을 수 없습니다."), code="pickup_place_not_found")
        allowed = getattr(user, "is_superuser", False) or place_editable_by(
            place, shops_for_user(user, MANAGING_ROLES).values_list("pk", flat=True))
        if not allowed:
            raise PermissionDenied(_("이 장소는 장소를 관리하는 가게만 고칠 수 있습니다."),
                                   code="place_not_owned")
        update = check_place_changes(place, changes)
        for name, value in update.items():
            setattr(place, name, value)
        if update:
            place.save(update_fields=list(update))
        return place


def check_place_changes(place: PickupPlace, changes: dict[str, Any]) -> dict[str, Any]:
    """The changed fields of ``changes``, checked; raises the one Korean message per mistake."""
    texts = {"name": (_("이름"), 80, True), "address": (_("주소"), 200, False),
             "opening_hours": (_("영업시간 안내"), 200, False),
             "contact": (_("연락처"), 40, False), "handover_notes": (_("수령 안내"), 300, False)}
    clean: dict[str, Any] = {}
    for name, value in changes.items():
        if name in texts:
            label, limit, required = texts[name]
            clean[name] = _text(value, label, limit, required=required)
        elif name in ("opens_at", "closes_at"):
            clean[name] = _time(value, _("여는 시각") if name == "opens_at" else _("닫는 시각"))
        elif name in ("lat", "lng", "photo"):
            clean[name] = value
    update = {name: value for name, value in clean.items() if getattr(place, name) != value}
    if not update:
        return update
    if (set(update) & set(COUNTER_FIELDS)
            and PickupPoint.objects.filter(place=place, is_shop_counter=True).exists()):
        raise Conflict(_("가게 매장의 이름, 주소, 위치, 영업시간 안내, 연락처는 가게 정보를 고치면 함께 바뀝니다."),
                       code="counter_follows_shop")
    if "lat" in update or "lng" in update:
        lat, lng = parse_point(update.get("lat", place.lat), update.get("lng", place.lng))
        check_place_for_shops(place, lat, lng)
        update.update({"lat": lat, "lng": lng})
    if "opens_at" in update or "closes_at" in update:
        hours = PickupPlace(opens_at=update.get("opens_at", place.opens_at),
                            closes_at=update.get("closes_at", place.closes_at))
        windows = PickupWindow.objects.filter(pickup_point__place=place, is_active=True)
        outside = [window for window in windows if not window_within_hours(window, hours)]
        if outside:
            raise InvalidInput(
                _("이 장소의 픽업 시간대(%(windows)s)가 새 영업시간 밖이 됩니다. 시간대를 먼저 내려 주세요.")
                % {"windows": ", ".join(sorted({window.label for window in outside}))},
                code="hours_exclude_windows",
            )
    return update


# === Reservations ======================================================================

ReservationStatus = Reservation.Status
Reason = StockEvent.Reason

CUSTOMER = Actor(label="customer")
SYSTEM = Actor(label="system")
MAX_NAME = 40
MAX_REASON = 200
END_OF_DAY = time(23, 59, 59)


# --- small helpers ---------------------------------------------------------------------


def _now(now: datetime | None) -> datetime:
    return now if now is not None else timezone.now()


def _at(day: date, clock: time) -> datetime:
    return timezone.make_aware(datetime.combine(day, clock))


def _check_id(value: Any, *, code: str, detail: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 2**62:
        raise NotFound(detail, code=code)
    return value


def _check_quantity(value: Any) -> int:
    limit = settings.PICKUP_MAX_QUANTITY
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= limit:
        raise InvalidInput(
            _("수량은 1 이상 %(max)d 이하의 정수로 입력해 주세요.") % {"max": limit},
            code="invalid_quantity",
        )
    return value


def _check_name(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(_("받는 분 이름을 입력해 주세요."), code="name_required")
    return clean_text(value, label=_("이름"), max_length=MAX_NAME, collapse_spaces=True,
                      code_prefix="name_")


def _check_phone(value: Any) -> str:
    try:
        return codes.normalize_phone(value)
    except codes.InvalidPhone:
        raise InvalidInput(
            _("휴대폰 번호를 확인해 주세요. 예: 010-1234-5678"), code="invalid_phone"
        ) from None


def _check_reason(value: Any) -> str:
    return clean_text(value, label=_("취소 사유"), max_length=MAX_REASON, multiline=True,
                      code_prefix="reason_")


def _place_hours(place: PickupPlace) -> tuple[time, time]:
    return place.opens_at or time(0, 0), place.closes_at or END_OF_DAY


def window_within_hours(window: PickupWindow, place: PickupPlace) -> bool:
    opens, closes = _place_hours(place)
    return opens <= window.starts_at and window.ends_at <= closes


def _announce(reservation: Reservation, *, created: bool = False) -> Reservation:
    """Version the reservation's change on its live streams and publish it after commit;
    return it fully loaded. A new reservation starts at version 1 and is already loaded; a
    changed one was saved with ``version`` one higher in the same UPDATE as its change (a
    second UPDATE of the row in one transaction makes PostgreSQL check every foreign key of
    it again, locking the pickup window out of the lock order)."""
    if not created:
        reservation = Reservation.objects.select_related(
            "shop", "pickup_point__place", "window").get(pk=reservation.pk)
    record_reservation_change(
        reservation=reservation,
        public=reservation_payload(reservation),
        staff=reservation_staff_payload(reservation),
    )
    return reservation


def _unique_code(shop: Shop) -> str:
    for _attempt in range(20):
        code = codes.new_code()
        if not Reservation.objects.filter(shop_id=shop.pk, code=code).exists():
            return code
    raise Conflict(_("잠시 후 다시 시도해 주세요."), code="code_exhausted")


# --- rate limits (Django's cache: per process locally, shared with Redis) --------------


def _count_hit(key: str, window_seconds: int) -> int:
    """Count one hit. While a shared cache (Redis) is down the limits pause rather than turn
    every customer away; the outage is logged."""
    try:
        cache.add(key, 0, timeout=window_seconds)
        try:
            return cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=window_seconds)
            return 1
    except RedisError as exc:
        logger.warning("rate limit not counted, cache unavailable: %s", exc)
        return 0


def _hits(key: str) -> int:
    try:
        return cache.get(key) or 0
    except RedisError as exc:
        logger.warning("rate limit not read, cache unavailable: %s", exc)
        return 0


def check_reservation_rate(client_ip: str) -> None:
    """Per-IP cap on reservation attempts (fixed window). Raise 429 when exceeded."""
    window = settings.PICKUP_RATE_WINDOW_SECONDS
    bucket = int(timezone.now().timestamp()) // window
    hits = _count_hit(f"pickup:rate:{client_ip}:{bucket}", window)
    if hits > settings.PICKUP_RATE_LIMIT:
        raise RateLimited(
            _("요청이 너무 많습니다. 잠시 후 다시 시도해 주세요."), code="rate_limited",
            retry_after=window - int(timezone.now().timestamp()) % window,
        )


def _code_attempt_key(scope: str) -> str:
    window = settings.PICKUP_CODE_WINDOW_SECONDS
    return f"pickup:code:{scope}:{int(timezone.now().timestamp()) // window}"


def _check_code_attempts(scope: str) -> None:
    if _hits(_code_attempt_key(scope)) >= settings.PICKUP_CODE_ATTEMPTS:
        raise RateLimited(
            _("잘못된 코드가 너무 많이 입력되었습니다. 잠시 후 다시 시도해 주세요."),
            code="too_many_code_attempts",
        )


def _record_code_failure(scope: str) -> None:
    _count_hit(_code_attempt_key(scope), settings.PICKUP_CODE_WINDOW_SECONDS)


# --- windows ---------------------------------------------------------------------------


def add_pickup_window(*, shop: Shop, pickup_point_id: Any, starts_at: time, ends_at: time,
                      capacity: int | None = None) -> PickupWindow:
    """The shop sets a daily pickup window at one of its points, within the place's hours."""
    point_id = _check_id(pickup_point_id, code="pickup_point_not_found",
                         detail=_("픽업 지점을 찾을 수 없습니다."))
    point = PickupPoint.objects.select_related("place").filter(pk=point_id, shop=shop).first()
    if point is None:
        raise NotFound(_("이 가게의 픽업 지점이 아닙니다."), code="pickup_point_not_found")
    if not isinstance(starts_at, time) or not isinstance(ends_at, time) or ends_at <= starts_at:
        raise InvalidInput(_("끝나는 시각은 시작 시각보다 늦어야 합니다."), code="invalid_window")
    if capacity is not None and (isinstance(capacity, bool) or not isinstance(capacity, int)
                                 or not 1 <= capacity <= 10_000):
        raise InvalidInput(_("최대 예약 수는 1 이상의 정수여야 합니다."), code="invalid_capacity")
    window = PickupWindow(pickup_point=point, starts_at=starts_at, ends_at=ends_at,
                          capacity=capacity)
    if not window_within_hours(window, point.place):
        opens, closes = _place_hours(point.place)
        raise InvalidInput(
            _("시간대는 영업시간(%(opens)s–%(closes)s) 안이어야 합니다.")
            % {"opens": f"{opens:%H:%M}", "closes": f"{closes:%H:%M}"},
            code="window_outside_hours",
        )
    with transaction.atomic():
        if PickupWindow.objects.filter(pickup_point=point, starts_at=starts_at,
                                       ends_at=ends_at).exists():
            raise Conflict(_("같은 시간대가 이미 있습니다."), code="window_exists")
        window.save()
    return window


def remove_pickup_window(*, shop: Shop, window_id: Any) -> None:
    """Stop offering a window; reservations already made for it keep it."""
    window_id = _check_id(window_id, code="window_not_found", detail=_("시간대를 찾을 수 없습니다."))
    updated = PickupWindow.objects.filter(pk=window_id, pickup_point__shop=shop).update(
        is_active=False)
    if not updated:
        raise NotFound(_("시간대를 찾을 수 없습니다."), code="window_not_found")


def window_taken(window: PickupWindow, day: date) -> int:
    return Reservation.objects.filter(
        window=window, date=day,
        status__in=(ReservationStatus.CONFIRMED, ReservationStatus.READY, ReservationStatus.PICKED_UP),
    ).count()


# --- reserve ---------------------------------------------------------------------------


def _pickup_slot(point: PickupPoint, window_id: Any, now: datetime
                 ) -> tuple[PickupWindow | None, datetime, datetime]:
    """Validate and lock the requested window; return it with its start and end.

    A named window is today's. With none named, the earliest of today's windows that has
    not ended and has room is taken; when today's are over, tomorrow's first one, so a
    customer (or an integration) reserving after closing time is not turned away.

    Room is counted only once the window's row is locked, so on PostgreSQL the lock is what
    serialises capacity checks. Choosing locks all of the point's active windows in one
    ordered statement: the choice is then made on exact counts, and lockers of several
    windows always take them in the same order.
    """
    today = timezone.localtime(now).date()
    place = point.place
    if window_id is None:
        windows = list(PickupWindow.objects.select_for_update(of=("self",))
                       .filter(pickup_point=point, is_active=True).order_by("starts_at", "pk"))
        if windows:
            window, day = _next_open_window(windows, place, now)
            return window, _at(day, window.starts_at), _at(day, window.ends_at)
        opens, closes = _place_hours(place)
        day = today if now < _at(today, closes) else today + timedelta(days=1)
        return None, _at(day, opens), _at(day, closes)
    window_id = _check_id(window_id, code="window_not_found",
                          detail=_("픽업 시간대를 찾을 수 없습니다."))
    window = (PickupWindow.objects.select_for_update(of=("self",))
              .filter(pk=window_id, pickup_point=point, is_active=True).first())
    if window is None:
        raise NotFound(_("이 픽업 지점에 해당 시간대가 없습니다."), code="window_not_found")
    if not window_within_hours(window, place):
        raise InvalidInput(_("이 시간대는 픽업 지점 영업시간 밖입니다."),
                           code="window_outside_hours")
    starts, ends = _at(today, window.starts_at), _at(today, window.ends_at)
    if now >= ends:
        raise InvalidInput(_("이미 지난 시간대입니다. 다른 시간대를 골라 주세요."),
                           code="window_past")
    if window.capacity is not None and window_taken(window, today) >= window.capacity:
        raise Conflict(_("이 시간대는 예약이 꽉 찼습니다. 다른 시간대를 골라 주세요."),
                       code="window_full")
    return window, starts, ends


def _next_open_window(windows: list[PickupWindow], place: PickupPlace, now: datetime
                      ) -> tuple[PickupWindow, date]:
    today = timezone.localtime(now).date()
    usable = [w for w in windows if window_within_hours(w, place)]
    for day in (today, today + timedelta(days=1)):
        for window in usable:
            if now >= _at(day, window.ends_at):
                continue
            if window.capacity is None or window_taken(window, day) < window.capacity:
                return window, day
    raise Conflict(_("남은 픽업 시간대가 없습니다. 다른 픽업 지점을 골라 주세요."),
                   code="no_window_available")


def _check_phone_limits(shop: Shop, phone: str, now: datetime) -> None:
    since = now - timedelta(days=settings.PICKUP_PHONE_RETENTION_DAYS)
    counts = Reservation.objects.filter(shop_id=shop.pk, phone=phone).aggregate(
        no_shows=Count("pk", filter=Q(status=ReservationStatus.NO_SHOW, ended_at__gte=since)),
        active=Count("pk", filter=Q(status__in=Reservation.OPEN_STATUSES)),
    )
    if counts["no_shows"] >= settings.PICKUP_NO_SHOW_LIMIT:
        raise PermissionDenied(
            _("이 번호는 미수령(노쇼)이 %(count)d회 있어 지금은 예약할 수 없습니다. "
              "가게에 직접 문의해 주세요.") % {"count": counts["no_shows"]},
            code="no_show_limit",
        )
    if counts["active"] >= settings.PICKUP_MAX_ACTIVE_PER_PHONE:
        raise RateLimited(
            _("한 번호로 이 가게에 동시에 %(max)d건까지 예약할 수 있습니다. "
              "받으신 뒤 다시 예약해 주세요.") % {"max": settings.PICKUP_MAX_ACTIVE_PER_PHONE},
            code="too_many_active_reservations",
        )


def _over_limit(listing: Listing, limit: int, *, held: int) -> Conflict:
    if held:
        detail = _("이 상품은 1인 최대 %(limit)d%(unit)s까지 예약할 수 있습니다. "
                   "이미 %(held)d%(unit)s을(를) 예약해 두셨습니다.")
    else:
        detail = _("이 상품은 1인 최대 %(limit)d%(unit)s까지 예약할 수 있습니다.")
    return Conflict(detail % {"limit": limit, "unit": listing.unit, "held": held},
                    code="limit_per_customer", limit=limit, unit=listing.unit, held=held)


def _check_customer_holdings(listing: Listing, limit: int, *, phone: str, client: Client,
                             units: int) -> None:
    """Refuse when this customer would hold more than ``limit`` units of the listing, or
    more open reservations at the shop than one phone may (PICKUP_MAX_ACTIVE_PER_PHONE), so
    fresh phone numbers neither empty a listing nor fill the shop's pickup windows.

    Counted by device cookie and by phone; every client also by network address, allowed
    PICKUP_NETWORK_ALLOWANCE times as much (many customers share a carrier's address). The
    units of one listing are counted under its row lock, so they hold exactly under a race.
    """
    person = Q(phone=phone)
    if client.device:
        person |= Q(client_device=client.device)
    this_listing = Q(listing_id=listing.pk)
    sums = {"person": Sum("units", filter=this_listing & person)}
    if client.device:
        sums["device_open"] = Count("pk", filter=Q(client_device=client.device))
    if client.network:
        network = Q(client_network=client.network)
        sums["network"] = Sum("units", filter=this_listing & network)
        sums["network_open"] = Count("pk", filter=network)
    held = Reservation.objects.filter(
        shop_id=listing.shop_id, status__in=Reservation.OPEN_STATUSES).aggregate(**sums)
    person_held = held["person"] or 0
    if person_held + units > limit:
        raise _over_limit(listing, limit, held=person_held)
    most_open = settings.PICKUP_MAX_ACTIVE_PER_PHONE
    if (held.get("device_open") or 0) >= most_open:
        raise RateLimited(
            _("한 기기로 이 가게에 동시에 %(max)d건까지 예약할 수 있습니다. "
              "받으신 뒤 다시 예약해 주세요.") % {"max": most_open},
            code="too_many_active_reservations",
        )
    allowance = settings.PICKUP_NETWORK_ALLOWANCE
    if (held.get("network") or 0) + units > limit * allowance:
        raise RateLimited(
            _("이 네트워크에서 이 상품을 너무 많이 예약했습니다. 받으신 뒤 다시 예약해 주세요."),
            code="limit_per_network", limit=limit, unit=listing.unit,
        )
    if (held.get("network_open") or 0) >= most_open * allowance:
        raise RateLimited(
            _("이 네트워크에서 이 가게에 예약이 너무 많습니다. 받으신 뒤 다시 예약해 주세요."),
            code="limit_per_network", limit=limit, unit=listing.unit,
        )


def reserve(
    *,
    shop: Shop,
    listing_id: Any,
    quantity: Any,
    pickup_point_id: Any,
    name: Any,
    phone: Any,
    option_id: Any = None,
    window_id: Any = None,
    consent: bool = False,
    idempotency_key: str | None = None,
    client: Client | None = None,
    now: datetime | None = None,
) -> tuple[dict[str, Any], bool]:
    """A customer reserves ``quantity`` of a listing for pickup today.

    Returns the reservation as the customer sees it (with ``token`` and ``code``) and
    whether this was a replay of an earlier request with the same Idempotency-Key.
    ``client`` (pickup/clients.py) is who asks, for the listing's "1인 최대" limit.
    """
    client = client or Client()
    now = _now(now)
    quantity = _check_quantity(quantity)
    name = _check_name(name)
    phone = _check_phone(phone)
    listing_id = _check_id(listing_id, code="listing_not_found",
                           detail=_("상품을 찾을 수 없습니다."))
    point_id = _check_id(pickup_point_id, code="pickup_point_not_found",
                         detail=_("픽업 지점을 찾을 수 없습니다."))
    if option_id is not None:
        option_id = _check_id(option_id, code="option_not_found",
                              detail=_("옵션을 찾을 수 없습니다."))
    consent = bool(consent)

    def action() -> tuple[int, dict[str, Any]]:
        listing = Listing.objects.filter(pk=listing_id, shop_id=shop.pk).first()
        if listing is None:
            raise NotFound(_("이 가게에 해당 상품이 없습니다."), code="listing_not_found")
        if not listing.is_active:
            raise Conflict(_("판매가 종료된 상품입니다."), code="listing_ended")
        option = None
        if option_id is not None:
            option = ListingOption.objects.filter(pk=option_id, listing_id=listing.pk).first()
            if option is None:
                raise NotFound(_("이 상품에 해당 옵션이 없습니다."), code="option_not_found")
        point = PickupPoint.objects.select_related("place").filter(pk=point_id,
                                                                   shop_id=shop.pk).first()
        if point is None:
            raise NotFound(_("이 가게의 픽업 지점이 아닙니다."), code="pickup_point_not_found")
        if not point.is_active:
            raise Conflict(_("지금은 이 픽업 지점을 이용할 수 없습니다. 다른 곳을 골라 주세요."),
                           code="pickup_point_paused")
        window, starts, ends = _pickup_slot(point, window_id, now)
        day = timezone.localtime(starts).date()
        _check_phone_limits(shop, phone, now)
        per_item = option.units if option else 1
        units = per_item * quantity
        limit = listing.per_customer_limit
        if units > limit:
            raise _over_limit(listing, limit, held=0)
        unit_price = option.pickup_price if option else listing.pickup_price
        code = _unique_code(shop)
        change_stock_in_transaction(
            shop=shop, listing_id=listing.pk, delta=-units, reason=Reason.RESERVED,
            actor=CUSTOMER, note=f"reservation {code}",
        )
        # Under the listing's row lock: whatever else this customer holds is committed.
        _check_customer_holdings(listing, limit, phone=phone, client=client, units=units)
        item_name = f"{listing.name} ({option.label})" if option else listing.name
        reservation = Reservation.objects.create(
            shop=shop, listing=listing, option=option, item_name=item_name[:200],
            quantity=quantity, units=units, unit_price=unit_price,
            total_price=unit_price * quantity, pickup_point=point, window=window, date=day,
            pickup_starts_at=starts, pickup_ends_at=ends, name=name, phone=phone,
            phone_consent=consent, code=code, created_at=now, updated_at=now,
            client_device=client.device, client_network=client.network,
        )
        # Created from the loaded shop, point (with its place) and window: nothing to reload.
        return 201, {**reservation_payload(_announce(reservation, created=True)),
                     "id": reservation.pk}

    with transaction.atomic():
        _status, payload, replayed = run_once(
            shop_id=shop.pk, scope="reserve", key=idempotency_key,
            request_data={"listing_id": listing_id, "option_id": option_id,
                          "quantity": quantity, "pickup_point_id": point_id,
                          "window_id": window_id, "name": name, "phone": phone,
                          "consent": consent},
            action=action,
            remember=lambda payload: {"reservation_id": payload["id"]},
            recall=_recall_reservation,
        )
    payload.pop("id", None)
    return payload, replayed


def _recall_reservation(stored: dict[str, Any]) -> dict[str, Any]:
    """The answer to a replayed reservation, rebuilt from the reservation it created."""
    reservation = (Reservation.objects.select_related("shop", "pickup_point__place", "window")
                   .filter(pk=stored.get("reservation_id")).first())
    if reservation is None:
        raise NotFound(_("예약을 찾을 수 없습니다."), code="reservation_not_found")
    return {**reservation_payload(reservation), "id": reservation.pk}


# --- lifecycle -------------------------------------------------------------------------


def _locked(queryset) -> Reservation | None:
    return queryset.select_for_update(of=("self",)).first()


def _return_stock(reservation: Reservation, reason: str, actor: Actor) -> int:
    """Give the units back while the listing is still on sale; return how many went back."""
    still_on_sale = (
        Listing.objects.select_for_update(of=("self",))
        .filter(pk=reservation.listing_id, is_active=True)
        .values_list("pk", flat=True).first()
    ) is not None
    if not still_on_sale:
        return 0
    change_stock_in_transaction(
        shop=reservation.shop, listing_id=reservation.listing_id, delta=reservation.units,
        reason=reason, actor=actor, note=f"reservation {reservation.code}",
    )
    return reservation.units


def _locked_open_reservation(reservation_id: int, shop: Shop | None) -> Reservation:
    """Lock a still-open reservation (of ``shop`` when given) for a closing transition."""
    queryset = Reservation.objects.select_related("shop").filter(pk=reservation_id)
    if shop is not None:
        queryset = queryset.filter(shop_id=shop.pk)
    reservation = _locked(queryset)
    if reservation is None:
        raise NotFound(_("예약을 찾을 수 없습니다."), code="reservation_not_found")
    if not reservation.is_open:
        raise _not_open(reservation)
    return reservation


def _close(reservation: Reservation, status: str, now: datetime, **fields: Any) -> None:
    reservation.status = status
    reservation.updated_at = now
    reservation.ended_at = now
    reservation.client_device = reservation.client_network = ""  # needed only while open
    reservation.version += 1  # the row is locked: the loaded version is the current one
    for key, value in fields.items():
        setattr(reservation, key, value)
    reservation.save()


def _not_open(reservation: Reservation) -> Conflict:
    messages = {
        ReservationStatus.PICKED_UP: (_("이미 수령한 예약입니다."), "already_picked_up"),
        ReservationStatus.CANCELLED: (_("이미 취소된 예약입니다."), "already_cancelled"),
        ReservationStatus.NO_SHOW: (_("미수령(노쇼) 처리된 예약입니다."), "already_no_show"),
    }
    detail, code = messages.get(reservation.status,
                                (_("지금 상태에서는 할 수 없습니다."), "invalid_status"))
    return Conflict(detail, code=code, status_now=reservation.status)


def cancel_reservation(
    *,
    reservation_id: int,
    by: str,
    shop: Shop | None = None,
    reason: Any = "",
    actor: Actor = CUSTOMER,
    now: datetime | None = None,
) -> Reservation:
    """The customer (secret link) or the shop (with a reason) cancels; stock goes back live."""
    now = _now(now)
    reason = _check_reason(reason)
    if by == Reservation.CancelledBy.SHOP and not reason:
        raise InvalidInput(_("취소 사유를 입력해 주세요."), code="reason_required")
    with transaction.atomic():
        reservation = _locked_open_reservation(reservation_id, shop)
        returned = _return_stock(reservation, Reason.RESERVATION_CANCELLED, actor)
        _close(reservation, ReservationStatus.CANCELLED, now, cancel_reason=reason, cancelled_by=by,
               units_returned=returned)
        _announce(reservation)
    return reservation


def mark_ready(*, shop: Shop, reservation_id: int, now: datetime | None = None) -> Reservation:
    """The order is packed and waiting at its pickup point."""
    now = _now(now)
    with transaction.atomic():
        reservation = _locked(Reservation.objects.filter(pk=reservation_id, shop_id=shop.pk))
        if reservation is None:
            raise NotFound(_("예약을 찾을 수 없습니다."), code="reservation_not_found")
        if reservation.status == ReservationStatus.READY:
            return reservation
        if reservation.status != ReservationStatus.CONFIRMED:
            raise _not_open(reservation)
        reservation.status = ReservationStatus.READY
        reservation.ready_at = reservation.updated_at = now
        reservation.version += 1
        reservation.save(update_fields=["status", "ready_at", "updated_at", "version"])
        _announce(reservation)
    return reservation


def _hand_over(queryset, scope: str, code: Any, now: datetime) -> Reservation:
    _check_code_attempts(scope)
    normalized = codes.normalize_code(code)
    reservation = None
    with transaction.atomic():
        if normalized:
            reservation = _locked(queryset.filter(code=normalized))
        if reservation is not None:
            if not reservation.is_open:
                raise _not_open(reservation)
            _close(reservation, ReservationStatus.PICKED_UP, now)
            _announce(reservation)
    if reservation is None:
        _record_code_failure(scope)
        raise NotFound(_("수령 코드가 맞지 않습니다. 다시 확인해 주세요."), code="code_not_found")
    return reservation


def mark_picked_up(*, shop: Shop, code: Any, now: datetime | None = None) -> Reservation:
    """The owner types (or scans) the customer's code at the counter."""
    return _hand_over(Reservation.objects.filter(shop_id=shop.pk), f"shop:{shop.pk}", code,
                      _now(now))


def hand_over_at_place(*, place: PickupPlace, code: Any, now: datetime | None = None
                       ) -> Reservation:
    """Café staff hand an order over at their counter (any partner shop's order)."""
    return _hand_over(Reservation.objects.filter(pickup_point__place_id=place.pk),
                      f"place:{place.pk}", code, _now(now))


def mark_no_show(*, reservation_id: int, shop: Shop | None = None, actor: Actor = SYSTEM,
                 now: datetime | None = None) -> Reservation:
    """Nobody came: close the reservation and return its stock while the listing is on sale."""
    now = _now(now)
    with transaction.atomic():
        reservation = _locked_open_reservation(reservation_id, shop)
        if now < reservation.pickup_ends_at:
            raise Conflict(_("수령 시간이 끝난 뒤에 노쇼로 처리할 수 있습니다."),
                           code="window_not_over")
        returned = _return_stock(reservation, Reason.NO_SHOW, actor)
        _close(reservation, ReservationStatus.NO_SHOW, now, units_returned=returned)
        _announce(reservation)
    return reservation


def expire_no_shows(*, now: datetime | None = None) -> int:
    """Every open reservation whose window ended more than the grace period ago → no-show."""
    now = _now(now)
    cutoff = now - timedelta(minutes=settings.PICKUP_NO_SHOW_GRACE_MINUTES)
    due = list(
        Reservation.objects.filter(status__in=Reservation.OPEN_STATUSES,
                                   pickup_ends_at__lte=cutoff)
        .order_by("pickup_ends_at").values_list("pk", flat=True)[:1000]
    )
    expired = 0
    for reservation_id in due:
        try:
            mark_no_show(reservation_id=reservation_id, now=now)
        except (Conflict, NotFound):
            continue  # picked up or cancelled meanwhile
        expired += 1
    return expired


def purge_expired_phones(*, now: datetime | None = None) -> int:
    """Erase the phone of reservations that ended longer ago than the retention period.

    Without the customer's consent to keep it, the number goes as soon as the reservation ends.
    """
    now = _now(now)
    cutoff = now - timedelta(days=settings.PICKUP_PHONE_RETENTION_DAYS)
    # The live feeds' logs hold names and masked phones too; a page a day behind gets a
    # snapshot anyway.
    ReservationEvent.objects.filter(created_at__lt=now - timedelta(days=1)).delete()
    return (
        Reservation.objects.filter(status__in=Reservation.FINAL_STATUSES)
        .exclude(phone="")
        .filter(Q(phone_consent=True, ended_at__lte=cutoff)
                | Q(phone_consent=False, ended_at__lte=now))
        .update(phone="", phone_erased_at=now)
    )
