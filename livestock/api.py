"""Owner and integration writes: post an arrival, change a count."""

from __future__ import annotations

from typing import Annotated

from django.http import HttpRequest
from ninja import Header, Router, Schema, Status
from pydantic import Field, StrictInt

from livestock import selectors, services
from livestock.payloads import listing_payload
from livestock.schemas import ListingWriteOut, StockResultOut
from shops.api_schemas import BODY_ERRORS, OWNER_ERRORS, documented
from shops.auth import owner_auth, shop_for_actor
from shops.models import ApiToken, TokenScope

router = Router(tags=["stock"], auth=owner_auth)


def actor_for(request: HttpRequest) -> services.Actor:
    if isinstance(request.auth, ApiToken):
        return services.Actor(label=f"token:{request.auth.hint}")
    return services.Actor(user=request.user, label="api")


class OptionIn(Schema):
    label: str = Field(max_length=200)
    units: StrictInt = 1
    price: StrictInt
    pickup_price: StrictInt | None = None


def _option_spec(option: OptionIn) -> services.OptionSpec:
    """An option as sent (its pickup price the price when left out)."""
    return services.OptionSpec(
        label=option.label,
        units=option.units,
        price=option.price,
        pickup_price=option.price if option.pickup_price is None else option.pickup_price,
        id=getattr(option, "id", None),
    )


class ListingIn(Schema):
    name: str = Field(max_length=10_000)
    unit: str = Field("개", max_length=1000)
    available: StrictInt
    price: StrictInt
    pickup_price: StrictInt | None = None
    staff_note: str = Field("", max_length=10_000)
    max_per_customer: StrictInt | None = Field(
        None, description="1인 최대 수량 (한 사람이 예약해 둘 수 있는 수량); 비우면 기본값"
    )
    options: list[OptionIn] = Field(default_factory=list, max_length=20)


@router.post(
    "/shops/{shop:slug}/listings",
    summary="오늘 입고 등록",
    **documented(
        {201: ListingWriteOut},
        OWNER_ERRORS,
        BODY_ERRORS,
        {
            422: [
                "name_required",
                "too_long",
                "control_characters",
                "invalid_count",
                "invalid_price",
                "invalid_option",
                "duplicate_option",
                "invalid_max_per_customer",
            ]
        },
    ),
)
def create_listing(request: HttpRequest, slug: str, payload: ListingIn):
    shop = shop_for_actor(request.auth, request.user, slug, scope=TokenScope.STOCK_WRITE)
    listing, result = services.post_arrival(
        shop=shop,
        name=payload.name,
        unit=payload.unit,
        available=payload.available,
        price=payload.price,
        pickup_price=payload.price if payload.pickup_price is None else payload.pickup_price,
        staff_note=payload.staff_note,
        max_per_customer=payload.max_per_customer,
        options=[_option_spec(o) for o in payload.options],
        actor=actor_for(request),
    )
    listing.refresh_from_db()
    return Status(201, {**listing_payload(listing), "version": result.version})


class OptionEditIn(OptionIn):
    id: StrictInt | None = Field(None, description="바꿀 옵션의 id; 없으면 새 옵션")


class ListingEditIn(Schema):
    name: str | None = Field(None, max_length=10_000)
    unit: str | None = Field(None, max_length=1000)
    price: StrictInt | None = None
    pickup_price: StrictInt | None = None
    staff_note: str | None = Field(None, max_length=10_000)
    max_per_customer: StrictInt | None = Field(
        None, description="1인 최대 수량; null을 보내면 기본값으로 돌아갑니다"
    )
    options: list[OptionEditIn] | None = Field(
        None,
        max_length=20,
        description=(
            "보내면 옵션 전체가 이 목록이 됩니다 (순서대로): id가 있으면 그 옵션을 바꾸고, "
            "없으면 새로 만들고, 빠진 옵션은 지웁니다. 찾아가지 않은 예약이 있는 옵션은 "
            "지우거나 몇 개분인지 바꿀 수 없습니다 (409 option_in_use)."
        ),
    )


@router.patch(
    "/shops/{shop:slug}/listings/{listing_id}",
    summary="상품 정보 수정",
    **documented(
        {200: ListingWriteOut},
        OWNER_ERRORS,
        BODY_ERRORS,
        {
            404: ["listing_not_found", "option_not_found"],
            409: ["option_in_use"],
            422: [
                "name_required",
                "too_long",
                "control_characters",
                "invalid_price",
                "invalid_max_per_customer",
                "invalid_option",
                "duplicate_option",
            ],
        },
        description=(
            "Only the fields sent change; ``max_per_customer: null`` returns to the default; "
            "``options``, when sent, is the whole new list of options."
        ),
    ),
)
def edit_listing(request: HttpRequest, slug: str, listing_id: int, payload: ListingEditIn):
    """Only the fields sent change; ``max_per_customer: null`` returns to the default."""
    shop = shop_for_actor(request.auth, request.user, slug, scope=TokenScope.STOCK_WRITE)
    changes = payload.dict(exclude_unset=True)
    options = changes.pop("options", None)
    for field in ("name", "unit", "price", "pickup_price", "staff_note"):
        if field in changes and changes[field] is None:
            del changes[field]
    result = services.edit_listing(
        shop=shop,
        listing_id=listing_id,
        changes=changes,
        options=None if options is None else [_option_spec(o) for o in payload.options or ()],
        actor=actor_for(request),
    )
    listing = selectors.shop_listing(shop.pk, listing_id)
    return {**listing_payload(listing), "version": result.version}


class StockIn(Schema):
    set_to: StrictInt | None = Field(None, alias="set")
    delta: StrictInt | None = None
    reason: str | None = Field(None, max_length=40)
    note: str = Field("", max_length=1000)


@router.post(
    "/shops/{shop:slug}/listings/{listing_id}/stock",
    summary="재고 수량 변경",
    **documented(
        {200: StockResultOut},
        OWNER_ERRORS,
        BODY_ERRORS,
        {
            400: ["invalid_idempotency_key"],
            404: ["listing_not_found"],
            409: ["listing_ended", "idempotency_key_reused"],
            422: ["set_or_delta", "invalid_count", "invalid_reason"],
        },
    ),
)
def change_stock(
    request: HttpRequest,
    slug: str,
    listing_id: int,
    payload: StockIn,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
):
    shop = shop_for_actor(request.auth, request.user, slug, scope=TokenScope.STOCK_WRITE)
    result, replayed = services.adjust_stock(
        shop=shop,
        listing_id=listing_id,
        delta=payload.delta,
        set_to=payload.set_to,
        reason=payload.reason,
        note=payload.note,
        actor=actor_for(request),
        idempotency_key=idempotency_key,
    )
    return {
        "available": result.available,
        "version": result.version,
        "listing_id": result.listing_id,
        "replayed": replayed,
    }
