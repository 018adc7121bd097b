"""Owner calls about the shop itself (the service area)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema
from pydantic import Field

from shops import geo
from shops.api_schemas import BODY_ERRORS, OWNER_ERRORS, OutSchema, described, documented
from shops.auth import MANAGING_ROLES, owner_auth, shop_for_actor
from shops.selectors import hours_payload, public_shop
from shops.services import set_service_area, set_weekly_hours

router = Router(tags=["shops"])


class ServiceAreaIn(Schema):
    # Checked by set_service_area (its own Korean message per mistake); typed for the docs.
    radius_m: Any = described(
        ["integer", "string"], f"서비스 반경 (m), {geo.MIN_RADIUS_M}–{geo.MAX_RADIUS_M}"
    )
    polygon: Any = described(
        ["object", "null"], "GeoJSON Polygon, 없으면 반경 원 전체", default=None
    )


class ServiceAreaOut(OutSchema):
    radius_m: int
    polygon: dict[str, Any] | None = Field(description="GeoJSON Polygon 또는 null")
    paused_pickup_points: list[str] = Field(description="새 구역 밖이라 일시 중지된 픽업 지점")


@router.put(
    "/shops/{shop:slug}/service-area",
    auth=owner_auth,
    summary="서비스 구역 변경 (사장님)",
    **documented(
        {200: ServiceAreaOut},
        OWNER_ERRORS,
        BODY_ERRORS,
        {422: ["invalid_radius", "invalid_polygon", "outside_service_area"]},
    ),
)
def put_service_area(request: HttpRequest, slug: str, payload: ServiceAreaIn):
    shop = shop_for_actor(request.auth, request.user, slug, MANAGING_ROLES)
    change = set_service_area(shop, radius_m=payload.radius_m, polygon=payload.polygon)
    return {
        "radius_m": shop.service_radius_m,
        "polygon": shop.service_polygon,
        "paused_pickup_points": change.paused,
    }


class HoursIn(Schema):
    weekly: Any = described(
        "object",
        '요일별 영업시간: {"mon": [["09:00", "19:00"]], …, "sun": []} (일곱 요일 모두, 빈 목록은 휴무)',
        default=None,
    )


class ClosureOut(OutSchema):
    id: int
    date: str
    reason: str


class HoursOut(OutSchema):
    weekly: dict[str, list[list[str]]] | None = Field(
        description="요일별 [여는 시각, 닫는 시각] 목록; 아직 정하지 않았으면 null"
    )
    closures: list[ClosureOut] = Field(description="오늘 이후의 임시 휴무일")


HOURS_ERRORS = {
    422: [
        "invalid_hours",
        "unknown_weekday",
        "missing_weekday",
        "invalid_time",
        "reversed_range",
        "overlapping_ranges",
    ]
}


@router.put(
    "/shops/{shop:slug}/hours",
    auth=owner_auth,
    summary="주간 영업시간 설정 (사장님)",
    **documented({200: HoursOut}, OWNER_ERRORS, BODY_ERRORS, HOURS_ERRORS),
)
def put_hours(request: HttpRequest, slug: str, payload: HoursIn):
    shop = shop_for_actor(request.auth, request.user, slug, MANAGING_ROLES)
    set_weekly_hours(shop=shop, weekly=payload.weekly)
    return hours_payload(shop, timezone.localdate())


@router.get(
    "/shops/{shop:slug}/hours",
    summary="주간 영업시간과 임시 휴무일",
    **documented({200: HoursOut}, {404: ["shop_not_found"]}),
)
def get_hours(request: HttpRequest, slug: str):
    return hours_payload(public_shop(slug), timezone.localdate())
