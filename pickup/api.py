"""Pickup over the API: a shop's pickup points (owner or integration token), and the public
reservation endpoints (reserve, look up and cancel with the secret token). Those have no
session, so no CSRF token is needed; abuse is held back by per-IP and per-phone limits."""

from __future__ import annotations

import logging
from datetime import date
from typing import Annotated, Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Header, Router, Schema, Status
from pydantic import Field, StrictBool, StrictInt

from livestock.services import Actor
from pickup import clients, limits, reservation_selectors, selectors, signals
from pickup.models import PartnerInvitation
from pickup.payloads import reservation_payload, reservation_pos_payload
from pickup.schemas import (
    InvitationOut,
    InvitationsOut,
    PickupPointOut,
    PosReservationOut,
    ReservationCreatedOut,
    ReservationOut,
)
from pickup.services import calendar as calendar_services
from pickup.services import points as point_services
from pickup.services import reservations as reservation_services
from shops.api_schemas import (
    BODY_ERRORS,
    OWNER_ERRORS,
    PUBLIC_SHOP_ERRORS,
    OutSchema,
    described,
    documented,
)
from shops.auth import MANAGING_ROLES, client_ip, owner_auth, shop_for_actor
from shops.errors import InvalidInput, NotFound
from shops.models import ApiToken, TokenScope
from shops.push_subscriptions import clean_subscription
from shops.selectors import public_shop, service_area
from shops.sharing import attribute_reservation
from shops.validation import json_body

logger = logging.getLogger(__name__)

router = Router(tags=["pickup"])


# Fields are checked by the services (one Korean message per mistake, the same as in the
# console and the admin), so the schema accepts any JSON value and only describes them.
class PickupPointIn(Schema):
    name: Any = described(
        "string", "카페 이름 (80자 이하)", default=None, examples=["망원시장 카페 보리"]
    )
    lat: Any = described(
        ["number", "string"], "위도 (숫자 또는 숫자 문자열)", default=None, examples=[37.5563]
    )
    lng: Any = described(
        ["number", "string"], "경도 (숫자 또는 숫자 문자열)", default=None, examples=[126.9065]
    )
    address: Any = described("string", "주소 (200자 이하)", default="")
    opening_hours: Any = described("string", "영업시간 안내, 예: 매일 08:00–21:00", default="")
    opens_at: Any = described("string", "여는 시각 HH:MM", default=None)
    closes_at: Any = described("string", "닫는 시각 HH:MM", default=None)
    contact: Any = described("string", "연락처", default="")
    handover_notes: Any = described("string", "수령 안내 (300자 이하)", default="")


class MoveIn(Schema):
    lat: Any = described(["number", "string"], "새 위도", default=None)
    lng: Any = described(["number", "string"], "새 경도", default=None)
    address: Any = described("string", "새 주소 (선택)", default=None)


class PartnerIn(Schema):
    place_id: Any = described("integer", "함께 쓸 픽업 장소(PickupPlace) id", default=None)


class PauseIn(Schema):
    reason: str = Field("", description="일시 중지 사유 (선택)")


OWNER_CALL = OWNER_ERRORS
OWNER_WRITE = (OWNER_ERRORS, BODY_ERRORS)
POINT_NOT_FOUND = {404: ["pickup_point_not_found"]}


def _shop(request: HttpRequest, slug: str):
    return shop_for_actor(request.auth, request.user, slug, MANAGING_ROLES)


@router.post(
    "/shops/{shop:slug}/pickup-points",
    auth=owner_auth,
    summary="픽업 지점(제휴 카페) 추가 — 서비스 구역 밖이면 422 outside_service_area",
    **documented(
        {201: PickupPointOut},
        *OWNER_WRITE,
        {
            422: [
                "outside_service_area",
                "invalid_coordinates",
                "name_required",
                "address_required",
                "too_long",
                "control_characters",
                "hours_exclude_windows",
            ]
        },
    ),
)
def create_pickup_point(request: HttpRequest, slug: str, payload: PickupPointIn):
    shop = _shop(request, slug)
    point = point_services.add_pickup_point(shop=shop, **payload.dict())
    distance_m = service_area(shop).check(point.place.lat, point.place.lng).distance_m
    return Status(201, selectors.pickup_point_payload(point, distance_m))


@router.get(
    "/shops/{shop:slug}/pickup-points",
    auth=owner_auth,
    summary="이 가게의 모든 픽업 지점 (일시 중지 포함)",
    **documented({200: list[PickupPointOut]}, OWNER_CALL),
)
def list_pickup_points(request: HttpRequest, slug: str):
    shop = _shop(request, slug)
    return [selectors.pickup_point_payload(point) for point in selectors.owner_pickup_points(shop)]


def _acting_user(request: HttpRequest):
    """The signed-in member, unless the call came with a shop's token (which speaks only for
    that shop, never for the user's other shops)."""
    if isinstance(request.auth, ApiToken) or not request.user.is_authenticated:
        return None
    return request.user


@router.post(
    "/shops/{shop:slug}/pickup-points/partner",
    auth=owner_auth,
    summary="다른 가게의 제휴 카페를 이 가게의 픽업 지점으로 함께 쓰기 — 그 카페를 "
    "관리하는 가게의 수락이 필요하면 202와 수락 대기 중인 제휴 요청",
    **documented(
        {201: PickupPointOut, 202: InvitationOut},
        *OWNER_WRITE,
        {
            404: ["pickup_place_not_found"],
            409: ["already_partnered", "place_shared"],
            422: ["place_is_shop_counter", "place_not_owned"],
        },
    ),
)
def partner_pickup_place(request: HttpRequest, slug: str, payload: PartnerIn):
    shop = _shop(request, slug)
    result = point_services.partner_place(
        shop=shop, place_id=payload.place_id, user=_acting_user(request)
    )
    if isinstance(result, PartnerInvitation):
        return Status(202, selectors.invitation_payload(result))
    return Status(201, selectors.pickup_point_payload(result))


@router.get(
    "/shops/{shop:slug}/partner-invitations",
    auth=owner_auth,
    summary="제휴 요청: 이 가게의 카페를 함께 쓰겠다는 요청(incoming)과 이 가게가 보낸 요청(outgoing)",
    **documented({200: InvitationsOut}, OWNER_CALL),
)
def list_partner_invitations(request: HttpRequest, slug: str):
    shop = _shop(request, slug)
    return {
        "incoming": [selectors.invitation_payload(i) for i in selectors.incoming_invitations(shop)],
        "outgoing": [selectors.invitation_payload(i) for i in selectors.outgoing_invitations(shop)],
    }


@router.post(
    "/shops/{shop:slug}/partner-invitations/{invitation_id}/accept",
    auth=owner_auth,
    summary="제휴 요청 수락 — 요청한 가게의 픽업 지점이 생깁니다",
    **documented(
        {200: PickupPointOut},
        OWNER_CALL,
        {
            404: ["invitation_not_found"],
            409: ["invitation_decided", "already_partnered", "invitation_not_needed"],
            422: ["invalid_input"],
        },
    ),
)
def accept_partner_invitation(request: HttpRequest, slug: str, invitation_id: int):
    shop = _shop(request, slug)
    point = point_services.accept_partner_invitation(
        shop=shop, invitation_id=invitation_id, user=_acting_user(request)
    )
    return selectors.pickup_point_payload(point)


@router.post(
    "/shops/{shop:slug}/partner-invitations/{invitation_id}/decline",
    auth=owner_auth,
    summary="제휴 요청 거절",
    **documented(
        {200: InvitationOut},
        OWNER_CALL,
        {404: ["invitation_not_found"], 409: ["invitation_decided"], 422: ["invalid_input"]},
    ),
)
def decline_partner_invitation(request: HttpRequest, slug: str, invitation_id: int):
    shop = _shop(request, slug)
    invitation = point_services.decline_partner_invitation(
        shop=shop, invitation_id=invitation_id, user=_acting_user(request)
    )
    return selectors.invitation_payload(invitation)


@router.post(
    "/shops/{shop:slug}/pickup-points/{point_id}/move",
    auth=owner_auth,
    summary="픽업 지점 위치 옮기기",
    **documented(
        {200: PickupPointOut},
        *OWNER_WRITE,
        POINT_NOT_FOUND,
        {
            422: [
                "outside_service_area",
                "invalid_coordinates",
                "counter_moves_with_shop",
                "counter_follows_shop",
            ]
        },
    ),
)
def move_pickup_point(request: HttpRequest, slug: str, point_id: int, payload: MoveIn):
    shop = _shop(request, slug)
    point = point_services.move_pickup_point(
        shop=shop, point_id=point_id, lat=payload.lat, lng=payload.lng, address=payload.address
    )
    return selectors.pickup_point_payload(point)


@router.post(
    "/shops/{shop:slug}/pickup-points/{point_id}/pause",
    auth=owner_auth,
    summary='픽업 지점 일시 중지 (본문 선택: {"reason": "…"})',
    openapi_extra={
        "requestBody": {
            "required": False,
            "content": {"application/json": {"schema": PauseIn.model_json_schema()}},
        }
    },
    **documented(
        {200: PickupPointOut},
        *OWNER_WRITE,
        POINT_NOT_FOUND,
        {422: ["counter_always_open", "too_long"]},
    ),
)
def pause_pickup_point(request: HttpRequest, slug: str, point_id: int):
    shop = _shop(request, slug)
    body = json_body(request, default={})
    reason: Any = body.get("reason", "") if isinstance(body, dict) else None
    point = point_services.pause_pickup_point(shop=shop, point_id=point_id, reason=reason)
    return selectors.pickup_point_payload(point)


@router.post(
    "/shops/{shop:slug}/pickup-points/{point_id}/resume",
    auth=owner_auth,
    summary="픽업 지점 다시 열기 — 구역 밖이면 422 outside_service_area",
    **documented(
        {200: PickupPointOut},
        OWNER_CALL,
        POINT_NOT_FOUND,
        {422: ["outside_service_area", "invalid_input"]},
    ),
)
def resume_pickup_point(request: HttpRequest, slug: str, point_id: int):
    shop = _shop(request, slug)
    point = point_services.resume_pickup_point(shop=shop, point_id=point_id)
    return selectors.pickup_point_payload(point)


# --- closed days (owner) ----------------------------------------------------------------


class ClosureIn(Schema):
    date: Any = described("string", "휴무일 YYYY-MM-DD (오늘 또는 이후)", default=None)
    reason: Any = described("string", "손님에게 보일 휴무 사유 (선택, 200자 이하)", default="")
    place_id: Any = described(
        "integer", "카페(픽업 장소) 휴무일 때 그 장소 id (없으면 가게 휴무)", default=None
    )


class ClosureOut(OutSchema):
    id: int
    date: str
    reason: str
    place_id: int | None = None
    cancelled_reservations: int = Field(description="이 휴무로 취소된 예약 수")


class ClosureImpactOut(OutSchema):
    date: str
    reservations: int = Field(description="이 날을 휴무로 하면 취소될 예약 수")


CLOSURE_ERRORS = {
    404: ["pickup_place_not_found"],
    403: ["place_not_owned"],
    409: ["closure_exists"],
    422: ["invalid_date", "closure_in_past", "reason_too_long", "reason_control_characters"],
}


@router.post(
    "/shops/{shop:slug}/closures",
    auth=owner_auth,
    summary="임시 휴무일 추가 — 그날의 예약은 사유와 함께 취소되고 재고가 돌아갑니다",
    **documented({201: ClosureOut}, *OWNER_WRITE, CLOSURE_ERRORS),
)
def add_closure(request: HttpRequest, slug: str, payload: ClosureIn):
    shop = _shop(request, slug)
    result = calendar_services.close_day(
        shop=shop, day=payload.date, reason=payload.reason, place_id=payload.place_id
    )
    closure = result.closure
    return Status(
        201,
        {
            "id": closure.pk,
            "date": closure.date.isoformat(),
            "reason": closure.reason,
            "place_id": getattr(closure, "place_id", None),
            "cancelled_reservations": len(result.cancelled),
        },
    )


@router.get(
    "/shops/{shop:slug}/closures/impact",
    auth=owner_auth,
    summary="이 날을 휴무로 하면 취소될 예약 수 (확인용)",
    **documented({200: ClosureImpactOut}, OWNER_CALL, CLOSURE_ERRORS),
)
def closure_impact(request: HttpRequest, slug: str, date: str = "", place_id: int | None = None):
    shop = _shop(request, slug)
    count = calendar_services.closure_impact(shop=shop, day=date, place_id=place_id)
    return {"date": date, "reservations": count}


@router.delete(
    "/shops/{shop:slug}/closures/{closure_id}",
    auth=owner_auth,
    summary="휴무일 삭제 (취소된 예약은 되살아나지 않습니다)",
    **documented({204: None}, OWNER_CALL, {404: ["closure_not_found", "pickup_place_not_found"]}),
)
def delete_closure(request: HttpRequest, slug: str, closure_id: int, place_id: int | None = None):
    shop = _shop(request, slug)
    calendar_services.reopen_day(shop=shop, closure_id=closure_id, place_id=place_id)
    return Status(204, None)


# --- reservations (public) --------------------------------------------------------------


class ReservationIn(Schema):
    # Strict types: "2", 1.5 and true are refused instead of being coerced.
    listing_id: StrictInt
    quantity: StrictInt
    pickup_point_id: StrictInt
    name: str = Field(max_length=200)
    phone: str = Field(max_length=40)
    option_id: StrictInt | None = None
    pickup_window: StrictInt | None = None
    pickup_date: Any = described(
        "string", "수령일 YYYY-MM-DD (기본: 오늘, 오늘 시간대가 끝났으면 다음 영업일)", default=None
    )
    consent: StrictBool = False
    push_subscription: Any = described(
        "object",
        "이 예약의 알림(준비 완료, 마감 30분 전, 가게 취소)을 받을 브라우저의 "
        "PushSubscription.toJSON() — WEB_PUSH_ENDPOINT_HOSTS 밖이면 422 "
        "push_endpoint_not_allowed",
        default=None,
    )


class CancelIn(Schema):
    reason: str = Field("", max_length=200)


@router.post(
    "/shops/{shop:slug}/reservations",
    summary="픽업 예약",
    **documented(
        {201: ReservationCreatedOut},
        PUBLIC_SHOP_ERRORS,
        BODY_ERRORS,
        {
            400: ["invalid_idempotency_key"],
            404: [
                "listing_not_found",
                "option_not_found",
                "pickup_point_not_found",
                "window_not_found",
            ],
            409: [
                "listing_ended",
                "option_changed",
                "pickup_point_paused",
                "limit_per_customer",
                "window_full",
                "too_many_active_reservations",
                "no_show_limit",
                "idempotency_key_reused",
            ],
            422: [
                "invalid_quantity",
                "name_required",
                "invalid_phone",
                "consent_required",
                "no_window_available",
                "window_past",
                "window_outside_hours",
                "window_not_offered",
                "shop_closed",
                "invalid_pickup_date",
                "push_endpoint_not_allowed",
                "invalid_subscription",
            ],
            429: ["rate_limited", "limit_per_network"],
        },
        description="409 ``limit_per_customer`` (with ``limit``, ``unit``, ``held``) past the "
        'listing\'s "1인 최대"; 429 ``limit_per_network`` when one address holds far '
        "more than that.",
    ),
)
def create_reservation(
    request: HttpRequest,
    response: HttpResponse,
    slug: str,
    payload: ReservationIn,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
):
    """409 ``limit_per_customer`` (with ``limit``, ``unit``, ``held``) past the listing's
    "1인 최대"; 429 ``limit_per_network`` when one address holds far more than that."""
    shop = public_shop(slug)
    # Checked before anything is stored: a refused push endpoint refuses the reservation.
    push = (
        None if payload.push_subscription is None else clean_subscription(payload.push_subscription)
    )
    ip = client_ip(request)
    limits.check_reservation_rate(client_ip=ip)
    clients.remember_device(request, response)
    reservation, replayed = reservation_services.reserve(
        shop=shop,
        listing_id=payload.listing_id,
        quantity=payload.quantity,
        pickup_point_id=payload.pickup_point_id,
        name=payload.name,
        phone=payload.phone,
        option_id=payload.option_id,
        window_id=payload.pickup_window,
        pickup_date=payload.pickup_date,
        consent=payload.consent,
        idempotency_key=idempotency_key,
        client=clients.client_for(request, ip),
    )
    if not replayed:
        attribute_reservation(request, shop)
    if push is not None:
        # The reservation stands even if its pushes cannot be set up (logged, never a 500).
        for receiver, result in signals.reservation_push_requested.send_robust(
            sender=type(reservation),
            reservation=reservation,
            subscription=push,
            origin=request.build_absolute_uri("/").rstrip("/"),
        ):
            if isinstance(result, Exception):
                logger.error("reservation push setup failed in %s: %r", receiver, result)
    return Status(201, {**reservation_payload(reservation), "replayed": replayed})


def _by_token(token: str):
    reservation = reservation_selectors.reservation_by_token(token)
    if reservation is None:
        raise NotFound(_("예약을 찾을 수 없습니다."), code="reservation_not_found")
    return reservation


@router.get(
    "/reservations/{token:token}",
    summary="예약 조회 (비밀 링크)",
    **documented({200: ReservationOut}, {404: ["reservation_not_found"]}),
)
def get_reservation(request: HttpRequest, token: str) -> dict[str, Any]:
    return reservation_payload(_by_token(token))


@router.post(
    "/reservations/{token:token}/cancel",
    summary="예약 취소 (손님)",
    openapi_extra={
        "requestBody": {
            "required": False,
            "content": {"application/json": {"schema": CancelIn.model_json_schema()}},
        }
    },
    **documented(
        {200: ReservationOut},
        BODY_ERRORS,
        {
            404: ["reservation_not_found"],
            409: ["already_picked_up", "already_cancelled", "already_no_show", "invalid_status"],
            422: ["reason_required", "too_long"],
        },
        description='Body optional: ``{"reason": "..."}``.',
    ),
)
def cancel_reservation(request: HttpRequest, token: str):
    """Body optional: ``{"reason": "..."}``."""
    reservation = _by_token(token)
    reason: Any = ""
    if request.content_type == "application/json":
        data = json_body(request, default={})
        reason = data.get("reason", "") if isinstance(data, dict) else None
    reservation_services.cancel_reservation(
        reservation_id=reservation.pk, by="customer", reason=reason
    )
    return reservation_payload(_by_token(token))


# --- reservations for point-of-sale tools (owner token or session) ----------------------


def _pos_day(raw: str | None):
    if raw is None or raw == "":
        return None
    try:
        return date.fromisoformat(raw) if len(raw) == 10 else None
    except ValueError:
        return None


@router.get(
    "/shops/{shop:slug}/reservations",
    auth=owner_auth,
    summary="하루 예약 목록 (POS용, 모든 상태, 수령 시간 순)",
    **documented(
        {200: list[PosReservationOut]},
        OWNER_CALL,
        {422: ["invalid_date"]},
        description="``date=YYYY-MM-DD`` (기본: 오늘, 서울 시간). Token scope: "
        "``reservations:read``.",
    ),
)
def list_pos_reservations(request: HttpRequest, slug: str, date: str | None = None):
    shop = shop_for_actor(
        request.auth, request.user, slug, MANAGING_ROLES, scope=TokenScope.RESERVATIONS_READ
    )
    day = _pos_day(date)
    if date and day is None:
        raise InvalidInput(
            _("날짜는 YYYY-MM-DD 형식으로 보내 주세요. 예: 2026-11-20"), code="invalid_date"
        )
    return [reservation_pos_payload(r) for r in reservation_selectors.shop_day(shop, day)]


class PosStepIn(Schema):
    reason: str = Field("", max_length=200, description="취소 사유 (cancel만, 선택)")


def _pos_step(request: HttpRequest, slug: str, reservation_id: int, step: str, key: str | None):
    shop = shop_for_actor(
        request.auth, request.user, slug, MANAGING_ROLES, scope=TokenScope.RESERVATIONS_WRITE
    )
    reason: Any = ""
    if step == "cancel" and request.body:
        body = json_body(request, default={})
        reason = body.get("reason", "") if isinstance(body, dict) else None
    if isinstance(request.auth, ApiToken):
        actor = Actor(label=f"token:{request.auth.hint}")
    else:
        actor = Actor(user=request.user, label="api")
    reservation, _replayed = reservation_services.advance(
        shop=shop,
        reservation_id=reservation_id,
        step=step,
        reason=reason,
        actor=actor,
        idempotency_key=key,
    )
    return reservation_pos_payload(reservation_selectors.shop_reservation(shop, reservation.pk))


POS_STEP_ERRORS = (
    OWNER_CALL,
    BODY_ERRORS,
    {
        400: ["invalid_idempotency_key"],
        404: ["reservation_not_found"],
        409: ["invalid_transition"],
        422: ["idempotency_key_reused"],
    },
)
POS_STEP_NOTE = (
    "A step the status does not allow: 409 ``invalid_transition`` with ``status_now`` and "
    "``reason``. ``Idempotency-Key`` replays the first answer. Token scope: "
    "``reservations:write``."
)
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key")]


@router.post(
    "/shops/{shop:slug}/reservations/{reservation_id}/ready",
    auth=owner_auth,
    summary="준비 완료 (포장해 픽업 지점에 둠)",
    **documented({200: PosReservationOut}, *POS_STEP_ERRORS, description=POS_STEP_NOTE),
)
def pos_ready(
    request: HttpRequest, slug: str, reservation_id: int, idempotency_key: IdempotencyKey = None
):
    return _pos_step(request, slug, reservation_id, "ready", idempotency_key)


@router.post(
    "/shops/{shop:slug}/reservations/{reservation_id}/picked-up",
    auth=owner_auth,
    summary="수령 완료 (건네줌)",
    **documented({200: PosReservationOut}, *POS_STEP_ERRORS, description=POS_STEP_NOTE),
)
def pos_picked_up(
    request: HttpRequest, slug: str, reservation_id: int, idempotency_key: IdempotencyKey = None
):
    return _pos_step(request, slug, reservation_id, "picked-up", idempotency_key)


@router.post(
    "/shops/{shop:slug}/reservations/{reservation_id}/no-show",
    auth=owner_auth,
    summary="노쇼 처리 (수령 시간이 끝난 뒤)",
    **documented({200: PosReservationOut}, *POS_STEP_ERRORS, description=POS_STEP_NOTE),
)
def pos_no_show(
    request: HttpRequest, slug: str, reservation_id: int, idempotency_key: IdempotencyKey = None
):
    return _pos_step(request, slug, reservation_id, "no-show", idempotency_key)


@router.post(
    "/shops/{shop:slug}/reservations/{reservation_id}/cancel",
    auth=owner_auth,
    summary='가게가 예약 취소 (본문 선택: {"reason": "…"})',
    openapi_extra={
        "requestBody": {
            "required": False,
            "content": {"application/json": {"schema": PosStepIn.model_json_schema()}},
        }
    },
    **documented(
        {200: PosReservationOut},
        *POS_STEP_ERRORS,
        {422: ["too_long", "control_characters"]},
        description=POS_STEP_NOTE,
    ),
)
def pos_cancel(
    request: HttpRequest, slug: str, reservation_id: int, idempotency_key: IdempotencyKey = None
):
    return _pos_step(request, slug, reservation_id, "cancel", idempotency_key)
