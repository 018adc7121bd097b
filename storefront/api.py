"""Public reads of a shop that compose the floors: the page's data (listings and pickup
points), the nearby search and the polling fallback for live counts."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from pydantic import Field

from livestock import selectors as stock_selectors
from livestock.payloads import listing_payload
from livestock.schemas import ListingOut, StockPollOut
from pickup import selectors as pickup_selectors
from pickup.schemas import PickupPointOut
from shops.api_schemas import PUBLIC_SHOP_ERRORS, Number, OutSchema, documented, rendered
from shops.errors import InvalidInput
from shops.selectors import open_status, public_shop, shop_public_fields
from shops.services import parse_point
from storefront import nearby
from storefront.page_cache import NEARBY_FOUND

router = Router(tags=["shops"])

# The OpenAPI operation ids these reads had when they lived in shops/api.py: clients
# generated from /api/openapi.json know them by these names.
OPERATION_IDS = {
    name: f"shops_api_{name}" for name in ("shops_nearby", "shop_detail", "shop_stock")
}


LOCATION_ERRORS = {422: ["location_required", "invalid_coordinates", "invalid_input"]}


class NearbyShopOut(OutSchema):
    slug: str
    name: str
    notice: str
    url: str
    lat: Number
    lng: Number
    distance_m: int
    distance_text: str
    stock_version: int
    open_now: bool | None = Field(description="지금 영업 중인지 (영업시간을 정하지 않았으면 null)")
    next_open: str | None = Field(description="다음 영업 시작 시각 (ISO 8601, Asia/Seoul)")
    open_label: str = Field(description='예: "영업 중 · 19:00까지", "오늘 휴무 · 내일 09:00 오픈"')
    listings: list[ListingOut]
    nearest_pickup_point: PickupPointOut | None


class ShopOut(OutSchema):
    slug: str
    name: str
    address: str
    lat: Number
    lng: Number
    service_radius_m: int
    service_polygon: dict[str, Any] | None = Field(description="GeoJSON Polygon 또는 null")
    stock_version: int
    notice: str
    return_policy: str
    response_hours: str
    opening_hours: str
    phone: str
    kakao_channel_url: str
    naver_url: str
    url: str
    open_now: bool | None = Field(description="지금 영업 중인지 (영업시간을 정하지 않았으면 null)")
    next_open: str | None = Field(description="다음 영업 시작 시각 (ISO 8601, Asia/Seoul)")
    open_label: str = Field(description='예: "영업 중 · 19:00까지", "오늘 휴무 · 내일 09:00 오픈"')
    listings: list[ListingOut]
    pickup_points: list[PickupPointOut] = Field(
        description="활성 픽업 지점: 가게 카운터 먼저, 위치를 보내면 가까운 순 (distance_m 포함)"
    )


def optional_point(lat: str | None, lng: str | None) -> tuple[float, float] | None:
    if lat in (None, "") and lng in (None, ""):
        return None
    if lat in (None, "") or lng in (None, ""):
        raise InvalidInput(_("위도(lat)와 경도(lng)를 함께 보내 주세요."), code="location_required")
    return parse_point(lat, lng)


# Registered before /shops/{shop:slug}, which would otherwise take "nearby" for a slug.
@router.get(
    "/shops/nearby",
    operation_id=OPERATION_IDS["shops_nearby"],
    summary="내 위치를 서비스 구역에 포함하는 가게 (가까운 순)",
    **documented({200: list[NearbyShopOut]}, LOCATION_ERRORS),
)
def shops_nearby(request: HttpRequest, lat: str | None = None, lng: str | None = None):
    point = optional_point(lat, lng)
    if point is None:
        raise InvalidInput(_("위치(lat, lng)를 보내 주세요."), code="location_required")
    # The shops the search for the answer's key found (config/public_reads.py), if it did.
    found = getattr(request, "scope", {}).get(NEARBY_FOUND)
    return rendered(nearby.near_me(*point, found=found))


@router.get(
    "/shops/{shop:slug}",
    operation_id=OPERATION_IDS["shop_detail"],
    summary="가게 정보와 오늘의 입고 목록",
    **documented({200: ShopOut}, PUBLIC_SHOP_ERRORS, LOCATION_ERRORS),
)
def shop_detail(request: HttpRequest, slug: str, lat: str | None = None, lng: str | None = None):
    near = optional_point(lat, lng)
    shop = public_shop(slug)
    version = stock_selectors.current_version(shop.pk) or 0
    data = shop_public_fields(shop)
    data["stock_version"] = version
    data.update(open_status(shop))
    data["listings"] = [listing_payload(x) for x in stock_selectors.active_listings(shop.pk)]
    data["pickup_points"] = pickup_selectors.public_pickup_points(shop, near)
    return data


class StockQuery(Schema):
    since: int | None = Field(None, ge=0, le=2**62, description="마지막으로 받은 재고 버전")


@router.get(
    "/shops/{shop:slug}/stock",
    operation_id=OPERATION_IDS["shop_stock"],
    summary="재고 변경 폴링 (웹소켓이 막힌 경우)",
    **documented({200: StockPollOut}, PUBLIC_SHOP_ERRORS, {422: ["invalid_input"]}),
)
def shop_stock(request: HttpRequest, slug: str, query: Query[StockQuery]):
    shop = public_shop(slug)
    return stock_selectors.stock_since(shop, query.since)
