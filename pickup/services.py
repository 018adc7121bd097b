"""Writes about pickup points: the shop's own counter and partner cafés.

A PickupPlace is the physical counter; a PickupPoint is one shop's partnership with it. Every
point a shop offers must lie inside that shop's service area: adding, moving, partnering or
resuming one outside is refused with ``outside_service_area`` and the distance. Shrinking the
area pauses the points left outside and never deletes them.
"""

from __future__ import annotations

from datetime import time
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from pickup.models import PickupPlace, PickupPoint
from shops import geo
from shops.errors import Conflict, InvalidInput, NotFound
from shops.models import Shop
from shops.services import (
    OutsideServiceArea,
    check_in_service_area,
    parse_point,
    service_area,
)

Status = PickupPoint.Status


def _text(value: Any, label: str, max_length: int, *, required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise InvalidInput(_("%(field)s을(를) 글자로 입력해 주세요.") % {"field": label})
    value = value.strip()
    if required and not value:
        raise InvalidInput(_("%(field)s을(를) 입력해 주세요.") % {"field": label}, code="required")
    if len(value) > max_length:
        raise InvalidInput(
            _("%(field)s은(는) %(max)d자 이하로 입력해 주세요.") % {"field": label, "max": max_length},
            code="too_long",
        )
    return value


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
        queryset = queryset.select_for_update()
    point = queryset.filter(pk=point_id, shop=shop).first()
    if point is None:
        raise NotFound(_("픽업 지점을 찾을 수 없습니다."), code="pickup_point_not_found")
    return point


def ensure_shop_counter(shop: Shop) -> PickupPoint:
    """The shop's own counter as a pickup point, created once and kept at the shop's place."""
    with transaction.atomic():
        point = (PickupPoint.objects.select_related("place")
                 .filter(shop=shop, is_shop_counter=True).first())
        wanted = {"name": shop.name[:80], "address": shop.address, "lat": shop.lat,
                  "lng": shop.lng, "opening_hours": shop.opening_hours, "contact": shop.phone}
        if point is None:
            Shop.objects.select_for_update().filter(pk=shop.pk).first()
            point = (PickupPoint.objects.select_related("place")
                     .filter(shop=shop, is_shop_counter=True).first())
            if point is None:
                place = PickupPlace.objects.create(**wanted)
                return PickupPoint.objects.create(shop=shop, place=place, is_shop_counter=True)
        changed = [name for name, value in wanted.items() if getattr(point.place, name) != value]
        if changed:
            for name in changed:
                setattr(point.place, name, wanted[name])
            point.place.save(update_fields=changed)
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
        place = PickupPlace(lat=lat_f, lng=lng_f, **fields)
        if photo:
            place.photo = photo
        place.save()
        return PickupPoint.objects.create(shop=shop, place=place, position=_next_position(shop))


def partner_place(shop: Shop, place_id: Any) -> PickupPoint:
    """Offer an existing place (another shop's partner café) as this shop's pickup point too."""
    if isinstance(place_id, bool) or not isinstance(place_id, int) or place_id <= 0:
        raise NotFound(_("픽업 장소를 찾을 수 없습니다."), code="pickup_place_not_found")
    place = PickupPlace.objects.filter(pk=place_id).first()
    if place is None:
        raise NotFound(_("픽업 장소를 찾을 수 없습니다."), code="pickup_place_not_found")
    if PickupPoint.objects.filter(place=place, is_shop_counter=True).exclude(shop=shop).exists():
        raise Conflict(_("다른 가게의 매장은 픽업 지점으로 함께 쓸 수 없습니다."),
                       code="place_is_shop_counter")
    check_in_service_area(shop, place.lat, place.lng)
    with transaction.atomic():
        existing = PickupPoint.objects.select_for_update().filter(shop=shop, place=place).first()
        if existing is not None:
            if existing.status == Status.ACTIVE:
                raise Conflict(_("이미 이 가게의 픽업 지점입니다."), code="already_partnered")
            existing.status, existing.paused_reason = Status.ACTIVE, ""
            existing.save(update_fields=["status", "paused_reason"])
            return existing
        return PickupPoint.objects.create(shop=shop, place=place, position=_next_position(shop))


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
        if PickupPoint.objects.filter(place=point.place).exclude(pk=point.pk).exists():
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
    points = (PickupPoint.objects.select_for_update().select_related("place")
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
