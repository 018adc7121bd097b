"""The shop's own counter, partner cafés (a PickupPlace is the physical counter; a
PickupPoint is one shop's partnership with it) and partner invitations.

Every point a shop offers must lie inside that shop's service area: adding, moving, partnering
or resuming one outside is refused with ``outside_service_area`` and the distance. Shrinking
the area pauses the points left outside and never deletes them.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from livestock import media
from pickup.models import (
    PartnerInvitation,
    PickupPlace,
    PickupPoint,
    PickupWindow,
    new_staff_token,
)
from pickup.services.checks import RawInput, check_id, clock_time, text
from pickup.services.windows import window_within_hours
from shops import geo
from shops.auth import MANAGING_ROLES, shops_for_user
from shops.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from shops.models import Shop
from shops.selectors import service_area
from shops.services import (
    OutsideServiceArea,
    check_in_service_area,
    parse_point,
)

Status = PickupPoint.Status

# Who acts: a signed-in user, an anonymous one, or nobody (a shop's API token, a job).
Caller = AbstractBaseUser | AnonymousUser | None

logger = logging.getLogger(__name__)


def _point(shop: Shop, point_id: RawInput, *, lock: bool = False) -> PickupPoint:
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


def place_editable_by(*, place: PickupPlace, shop_ids: Iterable[int]) -> bool:
    """Only the owning shop edits a place; one without an owner, whoever runs every shop
    offering it. A partner shop never changes a café another shop looks after."""
    mine = set(shop_ids)
    if place.owner_shop_id is not None:
        return place.owner_shop_id in mine
    return _shops_at(place) <= mine


def ensure_shop_counter(*, shop: Shop) -> PickupPoint:
    """The shop's own counter as a pickup point, created once and kept at the shop's place.

    The counter's place is the shop's alone: if it is found owned or used by another shop
    (rows written before places had owners), that place is left untouched and the counter
    gets a place of its own again.
    """
    with transaction.atomic():
        point = (
            PickupPoint.objects.select_related("place")
            .filter(shop=shop, is_shop_counter=True)
            .first()
        )
        wanted = {
            "name": shop.name[:80],
            "address": shop.address,
            "lat": shop.lat,
            "lng": shop.lng,
            "opening_hours": shop.opening_hours,
            "contact": shop.phone,
        }
        if point is None:
            Shop.objects.select_for_update(of=("self",), no_key=True).filter(pk=shop.pk).first()
            point = (
                PickupPoint.objects.select_related("place")
                .filter(shop=shop, is_shop_counter=True)
                .first()
            )
            if point is None:
                place = PickupPlace.objects.create(owner_shop=shop, **wanted)
                return PickupPoint.objects.create(shop=shop, place=place, is_shop_counter=True)
        place = point.place
        if place.owner_shop_id not in (None, shop.pk) or _shops_at(place) != {shop.pk}:
            logger.warning(
                "shop %s: counter place %s is not its own; giving it its own place",
                shop.pk,
                place.pk,
            )
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
    *,
    shop: Shop,
    name: RawInput,
    lat: RawInput,
    lng: RawInput,
    address: RawInput = "",
    opening_hours: RawInput = "",
    opens_at: RawInput = None,
    closes_at: RawInput = None,
    contact: RawInput = "",
    handover_notes: RawInput = "",
    photo: UploadedFile | None = None,
) -> PickupPoint:
    """A new partner café (place + this shop's partnership), refused outside the area."""
    fields = {
        "name": text(name, _("이름"), 80, required=True),
        "address": text(address, _("주소"), 200),
        "opening_hours": text(opening_hours, _("영업시간 안내"), 200),
        "contact": text(contact, _("연락처"), 40),
        "handover_notes": text(handover_notes, _("수령 안내"), 300),
        "opens_at": clock_time(opens_at, _("여는 시각")),
        "closes_at": clock_time(closes_at, _("닫는 시각")),
    }
    lat_f, lng_f, _distance = check_in_service_area(shop, lat, lng)
    with transaction.atomic():
        place = PickupPlace(lat=lat_f, lng=lng_f, owner_shop=shop, **fields)
        if photo:
            place.photo = media.prepared_photo(photo, name="place.jpg")  # no EXIF/GPS kept
        place.save()
        return PickupPoint.objects.create(shop=shop, place=place, position=_next_position(shop))


def _partnerable_place(shop: Shop, place_id: RawInput) -> PickupPlace:
    if isinstance(place_id, bool) or not isinstance(place_id, int) or not 0 < place_id < 2**62:
        raise NotFound(_("픽업 장소를 찾을 수 없습니다."), code="pickup_place_not_found")
    place = PickupPlace.objects.filter(pk=place_id).first()
    if place is None:
        raise NotFound(_("픽업 장소를 찾을 수 없습니다."), code="pickup_place_not_found")
    if PickupPoint.objects.filter(place=place, is_shop_counter=True).exclude(shop=shop).exists():
        raise Conflict(
            _("다른 가게의 매장은 픽업 지점으로 함께 쓸 수 없습니다."), code="place_is_shop_counter"
        )
    check_in_service_area(shop, place.lat, place.lng)
    return place


def _consent_needed(shop: Shop, place: PickupPlace, user: Caller) -> bool:
    """Partnering another shop's café needs that shop's yes, unless the caller runs it too."""
    if place.owner_shop_id is None or place.owner_shop_id == shop.pk:
        return False
    if user is None or not getattr(user, "is_authenticated", False):
        return True
    return not shops_for_user(user, MANAGING_ROLES).filter(pk=place.owner_shop_id).exists()


def partner_place(
    *, shop: Shop, place_id: RawInput, user: Caller = None
) -> PickupPoint | PartnerInvitation:
    """Offer an existing place as this shop's pickup point too.

    A place this shop owns, one with no owner, or one whose owning shop ``user`` also runs
    becomes a point at once. Another shop's café needs that shop's consent: the answer is
    then a pending ``PartnerInvitation`` and nothing is usable until it is accepted.
    """
    place = _partnerable_place(shop, place_id)
    with transaction.atomic():
        existing = (
            PickupPoint.objects.select_for_update(of=("self",))
            .filter(shop=shop, place=place)
            .first()
        )
        if existing is not None:
            if existing.status == Status.ACTIVE:
                raise Conflict(_("이미 이 가게의 픽업 지점입니다."), code="already_partnered")
            existing.status, existing.paused_reason = Status.ACTIVE, ""
            existing.save(update_fields=["status", "paused_reason"])
            return existing
        if not _consent_needed(shop, place, user):
            if place.owner_shop_id is None and not _shops_at(place):
                PickupPlace.objects.filter(pk=place.pk, owner_shop__isnull=True).update(
                    owner_shop=shop
                )
            return PickupPoint.objects.create(shop=shop, place=place, position=_next_position(shop))
    return invite_partner(shop=shop, place_id=place.pk, user=user)


def invite_partner(*, shop: Shop, place_id: RawInput, user: Caller = None) -> PartnerInvitation:
    """Ask the shop that owns a café to let ``shop`` offer it too (idempotent while pending)."""
    place = _partnerable_place(shop, place_id)
    if place.owner_shop_id is None or place.owner_shop_id == shop.pk:
        raise Conflict(
            _("이 장소는 수락 없이 바로 함께 쓸 수 있습니다."), code="invitation_not_needed"
        )
    if PickupPoint.objects.filter(shop=shop, place=place).exists():
        raise Conflict(_("이미 이 가게의 픽업 지점입니다."), code="already_partnered")
    invited_by = user if getattr(user, "is_authenticated", False) else None
    with transaction.atomic():
        invitation, _created = PartnerInvitation.objects.get_or_create(
            shop=shop,
            place=place,
            status=PartnerInvitation.Status.PENDING,
            defaults={"invited_by": invited_by},
        )
    return invitation


def _pending_invitation(owner_shop: Shop, invitation_id: RawInput) -> PartnerInvitation:
    """Lock an invitation addressed to ``owner_shop`` (the café's owner) and still pending."""
    invitation_id = check_id(
        invitation_id, code="invitation_not_found", detail=_("제휴 요청을 찾을 수 없습니다.")
    )
    invitation = (
        PartnerInvitation.objects.select_for_update(of=("self",))
        .select_related("shop", "place")
        .filter(pk=invitation_id, place__owner_shop=owner_shop)
        .first()
    )
    if invitation is None:
        raise NotFound(_("제휴 요청을 찾을 수 없습니다."), code="invitation_not_found")
    if not invitation.is_pending:
        raise Conflict(_("이미 답한 제휴 요청입니다."), code="invitation_decided")
    return invitation


def _decide(invitation: PartnerInvitation, status: str, user: Caller) -> None:
    invitation.status, invitation.decided_at = status, timezone.now()
    invitation.decided_by = user if getattr(user, "is_authenticated", False) else None
    invitation.save(update_fields=["status", "decided_at", "decided_by"])


def accept_partner_invitation(
    *, shop: Shop, invitation_id: RawInput, user: Caller = None
) -> PickupPoint:
    """The café's owning shop says yes: the asking shop's pickup point is made (if the café is
    still inside that shop's area)."""
    with transaction.atomic():
        invitation = _pending_invitation(shop, invitation_id)
        asking, place = invitation.shop, invitation.place
        check_in_service_area(asking, place.lat, place.lng)
        point = PickupPoint.objects.filter(shop=asking, place=place).first()
        if point is None:
            point = PickupPoint.objects.create(
                shop=asking, place=place, position=_next_position(asking)
            )
        _decide(invitation, PartnerInvitation.Status.ACCEPTED, user)
        return point


def decline_partner_invitation(
    *, shop: Shop, invitation_id: RawInput, user: Caller = None
) -> PartnerInvitation:
    """The café's owning shop says no: nothing changes for the asking shop."""
    with transaction.atomic():
        invitation = _pending_invitation(shop, invitation_id)
        _decide(invitation, PartnerInvitation.Status.DECLINED, user)
        return invitation


def move_pickup_point(
    *, shop: Shop, point_id: RawInput, lat: RawInput, lng: RawInput, address: RawInput = None
) -> PickupPoint:
    """Move a partner café this shop alone uses; the new spot must be inside the area."""
    lat_f, lng_f, _distance = check_in_service_area(shop, lat, lng)
    new_address = None if address is None else text(address, _("주소"), 200)
    with transaction.atomic():
        point = _point(shop, point_id, lock=True)
        if point.is_shop_counter:
            raise Conflict(
                _("가게 매장 위치는 가게 위치를 바꾸면 함께 바뀝니다."),
                code="counter_moves_with_shop",
            )
        if (
            not place_editable_by(place=point.place, shop_ids=[shop.pk])
            or PickupPoint.objects.filter(place=point.place).exclude(pk=point.pk).exists()
        ):
            raise Conflict(
                _("다른 가게와 함께 쓰는 장소라 옮길 수 없습니다. 새 지점으로 추가해 주세요."),
                code="place_shared",
            )
        place = point.place
        place.lat, place.lng = lat_f, lng_f
        update = ["lat", "lng"]
        if new_address is not None:
            place.address = new_address
            update.append("address")
        place.save(update_fields=update)
        return point


def pause_pickup_point(*, shop: Shop, point_id: RawInput, reason: RawInput = "") -> PickupPoint:
    reason_text = text(reason, _("중지 사유"), 200)
    with transaction.atomic():
        point = _point(shop, point_id, lock=True)
        if point.is_shop_counter:
            raise Conflict(_("가게 매장 픽업은 중지할 수 없습니다."), code="counter_always_open")
        point.status, point.paused_reason = Status.PAUSED, reason_text
        point.save(update_fields=["status", "paused_reason"])
        return point


def resume_pickup_point(*, shop: Shop, point_id: RawInput) -> PickupPoint:
    with transaction.atomic():
        point = _point(shop, point_id, lock=True)
        check_in_service_area(shop, point.place.lat, point.place.lng)
        point.status, point.paused_reason = Status.ACTIVE, ""
        point.save(update_fields=["status", "paused_reason"])
        return point


def pause_points_outside(*, shop: Shop) -> list[str]:
    """Pause this shop's active partner points now outside its area; their labels."""
    area = service_area(shop)
    paused = []
    points = (
        PickupPoint.objects.select_for_update(of=("self",))
        .select_related("place")
        .filter(shop=shop, status=Status.ACTIVE, is_shop_counter=False)
    )
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


def check_place_for_shops(*, place: PickupPlace, lat: RawInput, lng: RawInput) -> None:
    """Before moving a place: every shop actively offering it must still contain it."""
    for point in PickupPoint.objects.select_related("shop").filter(
        place=place, status=Status.ACTIVE, is_shop_counter=False
    ):
        lat_f, lng_f = parse_point(lat, lng)
        check = service_area(point.shop).check(lat_f, lng_f)
        if not check.inside:
            raise OutsideServiceArea(point.shop, check)


# Fields of a counter's place that follow the shop (ensure_shop_counter writes them).
COUNTER_FIELDS = ("name", "address", "lat", "lng", "opening_hours", "contact")


def edit_pickup_place(
    *, place_id: RawInput, user: Caller, changes: dict[str, RawInput]
) -> PickupPlace:
    """An owner changes a place's details (the admin's place form).

    Only a manager of the owning shop may (or, for a place with no owner, of every shop
    offering it); a counter's name, address, location, hours text and phone follow its shop;
    a move must stay inside every shop offering the place; new opening hours must still hold
    every active pickup window at the place, so no shop's reservations start failing.
    """
    place_id = check_id(
        place_id, code="pickup_place_not_found", detail=_("픽업 장소를 찾을 수 없습니다.")
    )
    with transaction.atomic():
        place = PickupPlace.objects.select_for_update(of=("self",)).filter(pk=place_id).first()
        if place is None:
            raise NotFound(_("픽업 장소를 찾을 수 없습니다."), code="pickup_place_not_found")
        managed = shops_for_user(user, MANAGING_ROLES).values_list("pk", flat=True)
        allowed = getattr(user, "is_superuser", False) or place_editable_by(
            place=place, shop_ids=managed
        )
        if not allowed:
            raise PermissionDenied(
                _("이 장소는 장소를 관리하는 가게만 고칠 수 있습니다."), code="place_not_owned"
            )
        update = check_place_changes(place=place, changes=changes)
        for name, value in update.items():
            setattr(place, name, value)
        if update:
            place.save(update_fields=list(update))
        return place


def check_place_changes(*, place: PickupPlace, changes: dict[str, RawInput]) -> dict[str, object]:
    """The changed fields of ``changes``, checked; raises the one Korean message per mistake."""
    texts = {
        "name": (_("이름"), 80, True),
        "address": (_("주소"), 200, False),
        "opening_hours": (_("영업시간 안내"), 200, False),
        "contact": (_("연락처"), 40, False),
        "handover_notes": (_("수령 안내"), 300, False),
    }
    clean: dict[str, object] = {}
    for name, value in changes.items():
        if name in texts:
            label, limit, required = texts[name]
            clean[name] = text(value, label, limit, required=required)
        elif name in ("opens_at", "closes_at"):
            clean[name] = clock_time(
                value, _("여는 시각") if name == "opens_at" else _("닫는 시각")
            )
        elif name == "photo" and isinstance(value, UploadedFile):
            clean[name] = media.prepared_photo(value, name="place.jpg")  # no EXIF/GPS kept
        elif name in ("lat", "lng", "photo"):
            clean[name] = value
    update = {name: value for name, value in clean.items() if getattr(place, name) != value}
    if not update:
        return update
    if (
        set(update) & set(COUNTER_FIELDS)
        and PickupPoint.objects.filter(place=place, is_shop_counter=True).exists()
    ):
        raise Conflict(
            _(
                "가게 매장의 이름, 주소, 위치, 영업시간 안내, 연락처는 가게 정보를 고치면 함께 바뀝니다."
            ),
            code="counter_follows_shop",
        )
    if "lat" in update or "lng" in update:
        lat, lng = parse_point(update.get("lat", place.lat), update.get("lng", place.lng))
        check_place_for_shops(place=place, lat=lat, lng=lng)
        update.update({"lat": lat, "lng": lng})
    if "opens_at" in update or "closes_at" in update:
        hours = PickupPlace(
            opens_at=update.get("opens_at", place.opens_at),
            closes_at=update.get("closes_at", place.closes_at),
        )
        windows = PickupWindow.objects.filter(pickup_point__place=place, is_active=True)
        outside = [
            window for window in windows if not window_within_hours(window=window, place=hours)
        ]
        if outside:
            raise InvalidInput(
                _(
                    "이 장소의 픽업 시간대(%(windows)s)가 새 영업시간 밖이 됩니다. 시간대를 먼저 내려 주세요."
                )
                % {"windows": ", ".join(sorted({window.label for window in outside}))},
                code="hours_exclude_windows",
            )
    return update


# --- café staff links ------------------------------------------------------------------


def _owned_place(shop: Shop, place_id: RawInput) -> PickupPlace:
    """A café this shop offers and owns (only the owning shop manages its staff link)."""
    place_id = check_id(place_id, code="place_not_found", detail=_("픽업 장소를 찾을 수 없습니다."))
    point = (
        PickupPoint.objects.select_related("place")
        .filter(shop=shop, place_id=place_id, is_shop_counter=False)
        .first()
    )
    if point is None:
        raise NotFound(_("픽업 장소를 찾을 수 없습니다."), code="place_not_found")
    if point.place.owner_shop_id != shop.pk:
        raise PermissionDenied(
            _("이 카페의 직원 링크는 카페를 등록한 가게가 관리합니다."), code="not_place_owner"
        )
    return point.place


def _set_staff_link(shop: Shop, place_id: RawInput, *, active: bool) -> PickupPlace:
    with transaction.atomic():
        place = _owned_place(shop, place_id)
        place = PickupPlace.objects.select_for_update(of=("self",)).get(pk=place.pk)
        place.staff_token = new_staff_token()
        place.staff_link_active = active
        place.save(update_fields=["staff_token", "staff_link_active"])
    logger.info(
        "café staff link %s: place %s by shop %s",
        "renewed" if active else "turned off",
        place.pk,
        shop.pk,
    )
    return place


def renew_staff_link(*, shop: Shop, place_id: RawInput) -> PickupPlace:
    """Invite a café's staff: a fresh link (and QR); any earlier link stops working."""
    return _set_staff_link(shop, place_id, active=True)


def revoke_staff_link(*, shop: Shop, place_id: RawInput) -> PickupPlace:
    """Turn a café's staff link off: the link stops working (an open staff page at its next
    reload or reconnect)."""
    return _set_staff_link(shop, place_id, active=False)
