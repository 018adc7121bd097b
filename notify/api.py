"""Follow and notify over the API (DESIGN.md "Follow and notify"): the VAPID public key,
follow / unfollow a shop, restock alerts, a reservation's pushes, this device's follows, and
an owner's or staff member's "새 예약" pushes. Public calls need no session (no CSRF token);
a subscription's endpoint must be on a push service in ``WEB_PUSH_ENDPOINT_HOSTS``."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from pydantic import Field

from notify import keys, services
from pickup import reservation_selectors
from shops.api_schemas import BODY_ERRORS, PUBLIC_SHOP_ERRORS, OutSchema, described, documented
from shops.auth import OwnerSessionAuth, shop_for_actor
from shops.errors import NotFound
from shops.selectors import public_shop

router = Router(tags=["notify"])

SUBSCRIPTION_ERRORS = {422: ["push_endpoint_not_allowed", "invalid_subscription"]}
SUBSCRIPTION_DOC = (
    'PushSubscription.toJSON(): {"endpoint", "keys": {"p256dh", "auth"}} — '
    "WEB_PUSH_ENDPOINT_HOSTS 밖의 endpoint는 422 push_endpoint_not_allowed"
)


def _origin(request: HttpRequest) -> str:
    return request.build_absolute_uri("/").rstrip("/")


class KeyOut(OutSchema):
    public_key: str = Field(description="VAPID 공개키 (base64url, 압축하지 않은 P-256 점)")


class FollowIn(Schema):
    subscription: Any = described("object", SUBSCRIPTION_DOC, default=None)
    topics: Any = described(
        "array", '받을 알림: "arrivals"(오늘 입고), "restock"(재입고)', default=None
    )
    night: Any = described(
        "boolean", "21:00–08:00(한국 시간)에도 광고성 알림 받기 (따로 동의)", default=False
    )


class FollowOut(OutSchema):
    token: str = Field(description="DELETE /api/follows/<token>으로 알림 끄기")


class DeviceFollowOut(OutSchema):
    token: str
    shop: str = Field(description="가게 slug")
    shop_name: str
    topics: list[str]
    night: bool


class SubscriptionIn(Schema):
    subscription: Any = described("object", SUBSCRIPTION_DOC, default=None)


class EndpointIn(Schema):
    endpoint: Any = described("string", "이 기기의 PushSubscription.endpoint", default=None)


class CreatedOut(OutSchema):
    ok: bool


@router.get("/push/key", summary="Web Push VAPID 공개키", **documented({200: KeyOut}))
def push_key(request: HttpRequest):
    return {"public_key": keys.public_key()}


@router.post(
    "/shops/{shop:slug}/follow",
    summary="가게 단골 알림 받기 (오늘 입고, 재입고) — 같은 기기는 갱신",
    **documented(
        {201: FollowOut},
        PUBLIC_SHOP_ERRORS,
        BODY_ERRORS,
        SUBSCRIPTION_ERRORS,
        {422: ["invalid_topics", "invalid_night"]},
    ),
)
def follow(request: HttpRequest, slug: str, payload: FollowIn):
    shop = public_shop(slug)
    row = services.follow_shop(
        shop=shop,
        subscription=payload.subscription,
        topics=payload.topics,
        night=payload.night,
        origin=_origin(request),
    )
    return Status(201, {"token": row.token})


@router.delete(
    "/follows/{token}",
    summary="단골 알림 끄기",
    **documented({204: None}, {404: ["follow_not_found"]}),
)
def unfollow(request: HttpRequest, token: str):
    services.unfollow(token=token)
    return HttpResponse(status=204)


@router.post(
    "/push/follows",
    summary="이 기기가 받는 단골 알림 목록 (내 알림)",
    **documented({200: list[DeviceFollowOut]}, BODY_ERRORS),
)
def my_follows(request: HttpRequest, payload: EndpointIn):
    return [
        {
            "token": f.token,
            "shop": f.shop.slug,
            "shop_name": f.shop.name,
            "topics": [t for t, on in (("arrivals", f.arrivals), ("restock", f.restock)) if on],
            "night": f.night,
        }
        for f in services.device_follows(endpoint=payload.endpoint)
    ]


class ResubscribeIn(Schema):
    old_endpoint: Any = described("string", "바뀌기 전 PushSubscription.endpoint", default=None)
    subscription: Any = described("object", SUBSCRIPTION_DOC, default=None)


@router.post(
    "/push/resubscribe",
    summary="브라우저가 구독을 새로 만들었을 때 (pushsubscriptionchange) 알림 설정 옮기기",
    **documented({204: None}, BODY_ERRORS, SUBSCRIPTION_ERRORS),
)
def resubscribe(request: HttpRequest, payload: ResubscribeIn):
    services.replace_subscription(
        old_endpoint=payload.old_endpoint,
        subscription=payload.subscription,
        origin=_origin(request),
    )
    return HttpResponse(status=204)


@router.post(
    "/listings/{listing_id}/restock-alert",
    summary="다시 들어오면 알림 (한 번)",
    **documented({201: CreatedOut}, BODY_ERRORS, SUBSCRIPTION_ERRORS, {404: ["listing_not_found"]}),
)
def restock_alert(request: HttpRequest, listing_id: int, payload: SubscriptionIn):
    services.add_restock_alert(
        listing_id=listing_id, subscription=payload.subscription, origin=_origin(request)
    )
    return Status(201, {"ok": True})


@router.post(
    "/reservations/{token:token}/push",
    summary="이 예약의 알림 받기 (준비 완료, 마감 30분 전, 가게 취소)",
    **documented(
        {201: CreatedOut}, BODY_ERRORS, SUBSCRIPTION_ERRORS, {404: ["reservation_not_found"]}
    ),
)
def reservation_push(request: HttpRequest, token: str, payload: SubscriptionIn):
    reservation = reservation_selectors.reservation_by_token(token)
    if reservation is None:
        raise NotFound(_("예약을 찾을 수 없습니다."), code="reservation_not_found")
    services.watch_reservation(
        reservation=reservation, subscription=payload.subscription, origin=_origin(request)
    )
    return Status(201, {"ok": True})


@router.post(
    "/shops/{shop:slug}/push/new-reservations",
    auth=OwnerSessionAuth(),
    summary="사장님·직원 휴대폰으로 새 예약 알림 받기 (로그인한 구성원)",
    **documented(
        {201: CreatedOut},
        {401: ["unauthorized"], 403: ["forbidden", "csrf_failed"], 404: ["shop_not_found"]},
        BODY_ERRORS,
        SUBSCRIPTION_ERRORS,
    ),
)
def new_reservation_alerts(request: HttpRequest, slug: str, payload: SubscriptionIn):
    shop = shop_for_actor(None, request.user, slug)
    services.alert_new_reservations(
        shop=shop, user=request.user, subscription=payload.subscription, origin=_origin(request)
    )
    return Status(201, {"ok": True})


@router.post(
    "/shops/{shop:slug}/push/new-reservations/stop",
    auth=OwnerSessionAuth(),
    summary="새 예약 알림 끄기 (이 기기)",
    **documented(
        {204: None},
        {401: ["unauthorized"], 403: ["forbidden", "csrf_failed"], 404: ["shop_not_found"]},
        BODY_ERRORS,
    ),
)
def stop_new_reservation_alerts(request: HttpRequest, slug: str, payload: EndpointIn):
    shop = shop_for_actor(None, request.user, slug)
    services.stop_new_reservation_alerts(shop=shop, endpoint=payload.endpoint)
    return HttpResponse(status=204)
