"""Public reservation API: reserve, look up and cancel with the secret token. No session,
so no CSRF token is needed; abuse is held back by per-IP and per-phone limits."""

from __future__ import annotations

import json
from typing import Annotated, Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Header, Router, Schema
from pydantic import Field, StrictBool, StrictInt

from pickup import reservation_selectors as selectors
from pickup import services
from pickup.payloads import reservation_payload
from shops.errors import InvalidInput, NotFound
from shops.selectors import shop_by_slug
from shops.sharing import attribute_reservation

router = Router(tags=["pickup"])


def client_ip(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR") or "unknown"


class ReservationIn(Schema):
    # Strict types: "2", 1.5 and true are refused instead of being coerced.
    listing_id: StrictInt
    quantity: StrictInt
    pickup_point_id: StrictInt
    name: str = Field(max_length=200)
    phone: str = Field(max_length=40)
    option_id: StrictInt | None = None
    pickup_window: StrictInt | None = None
    consent: StrictBool = False


class CancelIn(Schema):
    reason: str = Field("", max_length=200)


@router.post("/shops/{slug}/reservations", response={201: dict}, summary="픽업 예약")
def create_reservation(
    request: HttpRequest,
    slug: str,
    payload: ReservationIn,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
):
    shop = shop_by_slug(slug)
    if shop is None:
        raise NotFound(_("가게를 찾을 수 없습니다."), code="shop_not_found")
    services.check_reservation_rate(client_ip(request))
    result, replayed = services.reserve(
        shop=shop,
        listing_id=payload.listing_id,
        quantity=payload.quantity,
        pickup_point_id=payload.pickup_point_id,
        name=payload.name,
        phone=payload.phone,
        option_id=payload.option_id,
        window_id=payload.pickup_window,
        consent=payload.consent,
        idempotency_key=idempotency_key,
    )
    if not replayed:
        attribute_reservation(request, shop)
    return 201, {**result, "replayed": replayed}


def _by_token(token: str):
    reservation = selectors.reservation_by_token(token)
    if reservation is None:
        raise NotFound(_("예약을 찾을 수 없습니다."), code="reservation_not_found")
    return reservation


@router.get("/reservations/{token}", summary="예약 조회 (비밀 링크)")
def get_reservation(request: HttpRequest, token: str) -> dict[str, Any]:
    return reservation_payload(_by_token(token))


@router.post("/reservations/{token}/cancel", summary="예약 취소 (손님)",
             openapi_extra={"requestBody": {"required": False, "content": {
                 "application/json": {"schema": CancelIn.model_json_schema()}}}})
def cancel_reservation(request: HttpRequest, token: str):
    """Body optional: ``{"reason": "..."}``."""
    reservation = _by_token(token)
    reason: Any = ""
    if request.content_type == "application/json" and request.body.strip():
        try:
            data = json.loads(request.body)
        except ValueError:
            raise InvalidInput(_("요청 본문이 올바른 JSON이 아닙니다."), code="malformed_json",
                               status=400) from None
        reason = data.get("reason", "") if isinstance(data, dict) else None
    services.cancel_reservation(reservation_id=reservation.pk, by="customer", reason=reason)
    return reservation_payload(_by_token(token))
