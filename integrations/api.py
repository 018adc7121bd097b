"""Webhook endpoints over the API (owner session, or a token with ``webhooks:manage``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from pydantic import Field

from integrations import payloads, selectors, services
from shops.api_schemas import BODY_ERRORS, OWNER_ERRORS, OutSchema, described, documented
from shops.auth import MANAGING_ROLES, owner_auth, shop_for_actor
from shops.errors import InvalidInput, NotFound
from shops.events import EVENT_TYPES
from shops.models import TokenScope

router = Router(tags=["webhooks"], auth=owner_auth)


class EndpointOut(OutSchema):
    id: int
    url: str
    events: list[str]
    status: str = Field(description="active, paused, disabled (실패가 3일 이어져 꺼짐)")
    disabled_at: str | None
    disabled_reason: str
    previous_secret_until: str | None = Field(
        description="교체 전 비밀키도 함께 서명하는 마지막 시각"
    )
    created_at: str | None


class EndpointCreatedOut(EndpointOut):
    secret: str = Field(description="whsec_… 서명 비밀키 (이 응답에서만 보입니다)")


class AttemptOut(OutSchema):
    id: str = Field(description="시도 id (실패한 시도는 a…, 성공한 전송은 d…)")
    delivery_id: int
    webhook_id: str
    type: str
    version: int | None
    attempted_at: str | None
    succeeded: bool
    status_code: int | None
    latency_ms: int
    error: str
    delivery_status: str = Field(description="pending, succeeded, failed")
    next_attempt_at: str | None


class ResentOut(OutSchema):
    queued: int


# Fields are checked by the services (one Korean message per mistake, shared with the console).
class EndpointIn(Schema):
    url: Any = described("string", "https 주소", default=None)
    events: Any = described("array", f"받을 이벤트: {', '.join(EVENT_TYPES)}", default=None)


class RotateIn(Schema):
    overlap_hours: Any = described(
        "integer", "교체 전 비밀키도 함께 서명할 시간 (0–168, 기본 24)", default=None
    )


class ResendIn(Schema):
    since: Any = described("string", "이 시각 이후의 이벤트를 다시 보냄 (ISO 8601)", default=None)


def _shop(request: HttpRequest, slug: str):
    return shop_for_actor(
        request.auth, request.user, slug, MANAGING_ROLES, scope=TokenScope.WEBHOOKS_MANAGE
    )


WEBHOOK_404 = {404: ["webhook_not_found"]}
URL_ERRORS = ["url_required", "invalid_url", "https_required", "address_not_allowed"]


@router.post(
    "/shops/{shop:slug}/webhooks",
    summary="웹훅 주소 등록 — 비밀키(secret)는 이 응답에서만 보입니다",
    **documented(
        {201: EndpointCreatedOut},
        OWNER_ERRORS,
        BODY_ERRORS,
        {409: ["too_many_webhooks"], 422: [*URL_ERRORS, "events_required", "unknown_event"]},
    ),
)
def create_webhook(request: HttpRequest, slug: str, payload: EndpointIn):
    shop = _shop(request, slug)
    endpoint = services.create_endpoint(shop=shop, url=payload.url, events=payload.events)
    return Status(201, payloads.endpoint_with_secret(endpoint))


@router.get(
    "/shops/{shop:slug}/webhooks",
    summary="웹훅 주소 목록 (비밀키 없이)",
    **documented({200: list[EndpointOut]}, OWNER_ERRORS),
)
def list_webhooks(request: HttpRequest, slug: str):
    shop = _shop(request, slug)
    return [payloads.endpoint_payload(e) for e in selectors.shop_endpoints(shop)]


@router.delete(
    "/shops/{shop:slug}/webhooks/{endpoint_id}",
    summary="웹훅 주소 삭제",
    **documented({204: None}, OWNER_ERRORS, WEBHOOK_404),
)
def delete_webhook(request: HttpRequest, slug: str, endpoint_id: int):
    shop = _shop(request, slug)
    services.delete_endpoint(shop=shop, endpoint_id=endpoint_id)
    return Status(204, None)


@router.get(
    "/shops/{shop:slug}/webhooks/{endpoint_id}/deliveries",
    summary="최근 전송 시도 (최신 순, 100건)",
    **documented({200: list[AttemptOut]}, OWNER_ERRORS, WEBHOOK_404),
)
def list_deliveries(request: HttpRequest, slug: str, endpoint_id: int):
    shop = _shop(request, slug)
    endpoint = selectors.shop_endpoint(shop, endpoint_id)
    if endpoint is None:
        raise NotFound(_("웹훅 주소를 찾을 수 없습니다."), code="webhook_not_found")
    return [payloads.attempt_payload(a) for a in selectors.recent_attempts(endpoint)]


@router.post(
    "/shops/{shop:slug}/webhooks/{endpoint_id}/rotate-secret",
    summary="비밀키 교체 — 새 비밀키는 이 응답에서만 보이고, 겹치는 동안 두 키가 함께 서명합니다",
    **documented(
        {200: EndpointCreatedOut},
        OWNER_ERRORS,
        BODY_ERRORS,
        WEBHOOK_404,
        {422: ["invalid_overlap"]},
    ),
)
def rotate_secret(request: HttpRequest, slug: str, endpoint_id: int, payload: RotateIn):
    shop = _shop(request, slug)
    endpoint = services.rotate_secret(
        shop=shop, endpoint_id=endpoint_id, overlap_hours=payload.overlap_hours
    )
    return payloads.endpoint_with_secret(endpoint)


@router.post(
    "/shops/{shop:slug}/webhooks/{endpoint_id}/pause",
    summary="일시 중지 (이벤트는 쌓였다가 다시 켜면 순서대로 갑니다)",
    **documented({200: EndpointOut}, OWNER_ERRORS, WEBHOOK_404),
)
def pause_webhook(request: HttpRequest, slug: str, endpoint_id: int):
    shop = _shop(request, slug)
    return payloads.endpoint_payload(services.pause_endpoint(shop=shop, endpoint_id=endpoint_id))


@router.post(
    "/shops/{shop:slug}/webhooks/{endpoint_id}/resume",
    summary="다시 켜기 (일시 중지나 실패로 꺼진 주소)",
    **documented({200: EndpointOut}, OWNER_ERRORS, WEBHOOK_404),
)
def resume_webhook(request: HttpRequest, slug: str, endpoint_id: int):
    shop = _shop(request, slug)
    return payloads.endpoint_payload(services.resume_endpoint(shop=shop, endpoint_id=endpoint_id))


@router.post(
    "/shops/{shop:slug}/webhooks/{endpoint_id}/deliveries/{delivery_id}/resend",
    summary="다시 보내기 (같은 webhook-id)",
    **documented(
        {202: ResentOut},
        OWNER_ERRORS,
        WEBHOOK_404,
        {404: ["delivery_not_found"], 409: ["delivery_pending"]},
    ),
)
def resend_delivery(request: HttpRequest, slug: str, endpoint_id: int, delivery_id: int):
    shop = _shop(request, slug)
    services.resend_delivery(shop=shop, endpoint_id=endpoint_id, delivery_id=delivery_id)
    return Status(202, {"queued": 1})


@router.post(
    "/shops/{shop:slug}/webhooks/{endpoint_id}/resend",
    summary="이 시각 이후의 이벤트 모두 다시 보내기",
    **documented(
        {202: ResentOut},
        OWNER_ERRORS,
        BODY_ERRORS,
        WEBHOOK_404,
        {422: ["invalid_since", "too_many_to_resend"]},
    ),
)
def resend_since(request: HttpRequest, slug: str, endpoint_id: int, payload: ResendIn):
    shop = _shop(request, slug)
    since = None
    if isinstance(payload.since, str) and len(payload.since) <= 40:
        try:
            since = datetime.fromisoformat(payload.since)
        except ValueError:
            since = None
    if since is None:
        raise InvalidInput(
            _("since는 ISO 8601 시각으로 보내 주세요. 예: 2026-11-20T09:00:00+09:00"),
            code="invalid_since",
        )
    queued = services.resend_since(shop=shop, endpoint_id=endpoint_id, since=since)
    return Status(202, {"queued": queued})
