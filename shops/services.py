"""Writes about shops that are not stock: the service area, share attribution counters.

Changing the service area locks the shop row first (``FOR NO KEY UPDATE OF`` the shop only),
then its pickup points through ``service_area_changed``; it locks no listing, window or
reservation, as the project's lock order (pickup/services.py) requires.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from shops import geo
from shops.errors import InvalidInput
from shops.models import ShareChannel, ShareStat, Shop
from shops.signals import service_area_changed


def normalize_channel(raw: object) -> str:
    """A known channel name, or ``other`` for anything else (never the raw value)."""
    value = str(raw or "").strip().lower()
    return value if value in ShareChannel.values else ShareChannel.OTHER


def _bump(shop_id: int, channel: str, day: date | None, field: str) -> None:
    channel = normalize_channel(channel)
    day = day or timezone.localdate()
    rows = ShareStat.objects.filter(shop_id=shop_id, day=day, channel=channel)
    with transaction.atomic():
        if rows.update(**{field: F(field) + 1}):
            return
        try:
            with transaction.atomic():
                ShareStat.objects.create(shop_id=shop_id, day=day, channel=channel,
                                         **{field: 1})
        except IntegrityError:  # another request created today's row first
            rows.update(**{field: F(field) + 1})


def record_share_visit(*, shop_id: int, channel: str, day: date | None = None) -> None:
    """Count one visitor who arrived at a shop's page through a link shared via ``channel``."""
    _bump(shop_id, channel, day, "visits")


def record_share_reservation(*, shop_id: int, channel: str, day: date | None = None) -> None:
    """Count one reservation made by a visitor who came through ``channel``."""
    _bump(shop_id, channel, day, "reservations")


# --- the service area ---------------------------------------------------------------------


def geo_message(error: geo.GeoError) -> str:
    """The Korean sentence for a geometry input error."""
    field_names = {"lat": _("위도(lat)"), "lng": _("경도(lng)"), "radius": _("반경")}
    params = {**error.params}
    params["field"] = field_names.get(params.get("field", ""), params.get("field", ""))
    messages = {
        "not_a_number": _("%(field)s은(는) 숫자로 입력해 주세요."),
        "not_finite": _("%(field)s에 NaN이나 무한대는 쓸 수 없습니다."),
        "lat_range": _("위도(lat)는 -90 이상 90 이하여야 합니다."),
        "lng_range": _("경도(lng)는 -180 이상 180 이하여야 합니다."),
        "radius_not_integer": _("반경은 미터 단위 정수로 입력해 주세요."),
        "radius_range": _("반경은 %(low)d m 이상 %(high)d m 이하로 정해 주세요."),
        "polygon_json": _("다각형이 올바른 GeoJSON(JSON)이 아닙니다."),
        "polygon_type": _("다각형은 GeoJSON Polygon이어야 합니다 (받은 형식: %(type)s)."),
        "polygon_empty": _("다각형에 좌표가 없습니다."),
        "polygon_ring_short": _("다각형의 각 고리는 처음과 끝이 같은 4개 이상의 좌표로 이루어져야 합니다."),
        "polygon_not_closed": _("다각형이 닫혀 있지 않습니다. 마지막 좌표를 첫 좌표와 같게 해 주세요."),
        "polygon_position": _("다각형 좌표는 [경도, 위도] 숫자 쌍이어야 하고 범위 안에 있어야 합니다."),
        "polygon_too_many_vertices": _("다각형의 꼭짓점이 너무 많습니다 (최대 %(limit)d개)."),
        "polygon_invalid": _("다각형의 변이 서로 교차하거나 넓이가 없습니다. 모양을 다시 그려 주세요."),
        "polygon_excludes_shop": _("다각형이 가게 위치를 포함해야 합니다."),
    }
    template = messages.get(error.code, _("위치 정보를 확인해 주세요."))
    try:
        return template % params
    except (KeyError, TypeError, ValueError):
        return template


def as_invalid_input(error: geo.GeoError) -> InvalidInput:
    if error.code.startswith("polygon"):
        code = "invalid_polygon"
    elif error.code.startswith("radius"):
        code = "invalid_radius"
    else:
        code = "invalid_coordinates"
    return InvalidInput(geo_message(error), code=code, reason=error.code)


def parse_point(lat: Any, lng: Any) -> tuple[float, float]:
    try:
        return geo.parse_point(lat, lng)
    except geo.GeoError as exc:
        raise as_invalid_input(exc) from None


def service_area(shop: Shop) -> geo.ServiceArea:
    return geo.ServiceArea(shop.lat, shop.lng, shop.service_radius_m, shop.service_polygon)


class OutsideServiceArea(InvalidInput):
    code = "outside_service_area"

    def __init__(self, shop: Shop, check: geo.AreaCheck) -> None:
        meters = int(round(check.distance_m))
        params = {"distance": geo.format_distance(check.distance_m),
                  "radius": geo.format_distance(shop.service_radius_m)}
        if check.outside_polygon:
            detail = _("서비스 구역 밖입니다. 가게에서 %(distance)s 떨어져 있고, "
                       "사장님이 그린 서비스 구역 다각형 밖에 있습니다.") % params
        else:
            detail = _("서비스 구역 밖입니다. 가게에서 %(distance)s 떨어져 있어 "
                       "반경 %(radius)s을 넘습니다.") % params
        super().__init__(detail, distance_m=meters)
        self.distance_m = meters


def check_in_service_area(shop: Shop, lat: Any, lng: Any) -> tuple[float, float, int]:
    """Parsed ``(lat, lng, distance_m)`` of a point inside the shop's area, or a 422."""
    lat_f, lng_f = parse_point(lat, lng)
    check = service_area(shop).check(lat_f, lng_f)
    if not check.inside:
        raise OutsideServiceArea(shop, check)
    return lat_f, lng_f, int(round(check.distance_m))


@dataclass(frozen=True)
class AreaChange:
    shop: Shop
    paused: list[str] = field(default_factory=list)


def validate_service_area(*, lat: Any, lng: Any, radius_m: Any,
                          polygon: Any) -> tuple[float, float, int, dict | None]:
    """Everything the area needs, checked; raises InvalidInput with a Korean sentence."""
    lat_f, lng_f = parse_point(lat, lng)
    try:
        radius = geo.parse_radius(radius_m)
        normalized = geo.normalize_polygon(polygon, lat_f, lng_f)
    except geo.GeoError as exc:
        raise as_invalid_input(exc) from None
    return lat_f, lng_f, radius, normalized


def set_service_area(shop: Shop, *, radius_m: Any, polygon: Any = None, lat: Any = None,
                     lng: Any = None) -> AreaChange:
    """Save the shop's radius and polygon (and centre, when given).

    Pickup points that fall outside the new area are paused, never deleted; the returned
    ``AreaChange.paused`` names them so the owner can be told.
    """
    lat_f, lng_f, radius, normalized = validate_service_area(
        lat=shop.lat if lat is None else lat, lng=shop.lng if lng is None else lng,
        radius_m=radius_m, polygon=polygon,
    )
    with transaction.atomic():
        locked = Shop.objects.select_for_update(of=("self",), no_key=True).get(pk=shop.pk)
        locked.lat, locked.lng = lat_f, lng_f
        locked.service_radius_m = radius
        locked.service_polygon = normalized
        locked.save(update_fields=["lat", "lng", "service_radius_m", "service_polygon"])
        paused: list[str] = []
        for _receiver, labels in service_area_changed.send(sender=Shop, shop=locked):
            paused.extend(labels or [])
    for name in ("lat", "lng", "service_radius_m", "service_polygon", "service_polygon_hash"):
        setattr(shop, name, getattr(locked, name))
    return AreaChange(shop=shop, paused=paused)
