"""Public reads of a shop: the page's data and the polling fallback for live counts."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from pydantic import Field

from livestock import selectors as stock_selectors
from livestock.payloads import listing_payload
from pickup import selectors as pickup_selectors
from shops.errors import NotFound
from shops.models import Shop
from shops.selectors import shop_by_slug, shop_public_fields

router = Router(tags=["shops"])


def get_public_shop(slug: str) -> Shop:
    shop = shop_by_slug(slug)
    if shop is None:
        raise NotFound(_("가게를 찾을 수 없습니다."), code="shop_not_found")
    return shop


@router.get("/shops/{slug}", summary="가게 정보와 오늘의 입고 목록")
def shop_detail(request: HttpRequest, slug: str):
    shop = get_public_shop(slug)
    version = stock_selectors.current_version(shop.pk) or 0
    data = shop_public_fields(shop)
    data["stock_version"] = version
    data["listings"] = [listing_payload(x) for x in stock_selectors.active_listings(shop.pk)]
    data["pickup_points"] = pickup_selectors.public_pickup_points(shop)
    return data


class StockQuery(Schema):
    since: int | None = Field(None, ge=0, le=2**62, description="마지막으로 받은 재고 버전")


@router.get("/shops/{slug}/stock", summary="재고 변경 폴링 (웹소켓이 막힌 경우)")
def shop_stock(request: HttpRequest, slug: str, query: Query[StockQuery]):
    shop = get_public_shop(slug)
    return stock_selectors.stock_since(shop, query.since)
