"""Owner calls about the shop itself (the service area)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from pydantic import Field

from shops import geo
from shops.auth import MANAGING_ROLES, owner_auth, shop_for_actor
from shops.services import set_service_area

router = Router(tags=["shops"])


class ServiceAreaIn(Schema):
    radius_m: Any = Field(description=f"서비스 반경 (m), {geo.MIN_RADIUS_M}–{geo.MAX_RADIUS_M}")
    polygon: Any = Field(None, description="GeoJSON Polygon, 없으면 반경 원 전체")


@router.put("/shops/{shop:slug}/service-area", auth=owner_auth, summary="서비스 구역 변경 (사장님)")
def put_service_area(request: HttpRequest, slug: str, payload: ServiceAreaIn):
    shop = shop_for_actor(request.auth, request.user, slug, MANAGING_ROLES)
    change = set_service_area(shop, radius_m=payload.radius_m, polygon=payload.polygon)
    return {"radius_m": shop.service_radius_m, "polygon": shop.service_polygon,
            "paused_pickup_points": change.paused}
