"""The owner's numbers over the API: ``GET /api/shops/<slug>/stats?from=&to=`` (owner)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router

from insights import payloads, selectors
from insights.schemas import StatsOut
from shops.api_schemas import OWNER_ERRORS, documented
from shops.auth import MANAGING_ROLES, owner_auth, shop_for_actor

router = Router(tags=["insights"])

# ``from`` is a Python keyword, so the two dates are read from the query string by hand (and
# checked once, in insights.selectors.parse_range); they are documented here.
RANGE_PARAMETERS = [
    {
        "in": "query",
        "name": name,
        "required": False,
        "schema": {"type": "string", "format": "date"},
        "description": description,
    }
    for name, description in (
        ("from", "첫날 YYYY-MM-DD (기본: to의 29일 전)"),
        ("to", "마지막 날 YYYY-MM-DD (기본: 오늘)"),
    )
]


@router.get(
    "/shops/{shop:slug}/stats",
    auth=owner_auth,
    openapi_extra={"parameters": RANGE_PARAMETERS},
    summary="가게 숫자: 일별 예약·수령·노쇼·취소·매출·공유 유입 (Asia/Seoul 날짜, 양 끝 포함)",
    **documented(
        {200: StatsOut},
        OWNER_ERRORS,
        {422: ["invalid_date", "invalid_range", "range_too_long"]},
        description="from/to는 YYYY-MM-DD. to를 빼면 오늘, from을 빼면 to까지 30일. "
        "최대 2년(INSIGHTS_RETENTION_DAYS).",
    ),
)
def shop_stats(request: HttpRequest, slug: str) -> dict[str, Any]:
    shop = shop_for_actor(request.auth, request.user, slug, MANAGING_ROLES)
    first, last = selectors.parse_range(request.GET.get("from"), request.GET.get("to"))
    return payloads.stats_payload(selectors.period(shop.pk, first, last))
