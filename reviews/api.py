"""Reviews over the API: the customer's review through the reservation's secret token (no
session, so no CSRF token), the shop's public list, and the owner's reply and report."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status

from pickup import reservation_selectors
from reviews import limits, rules, selectors, services
from reviews.schemas import DeletedOut, ReplyIn, ReportIn, ReviewIn, ReviewOut, ShopReviewsOut
from shops.api_schemas import BODY_ERRORS, OWNER_ERRORS, PUBLIC_SHOP_ERRORS, documented
from shops.auth import MANAGING_ROLES, client_ip, owner_auth, shop_for_actor
from shops.errors import InvalidInput, NotFound
from shops.models import ApiToken
from shops.selectors import public_shop
from shops.validation import json_body

router = Router(tags=["reviews"])

TEXT_ERRORS = ["control_characters", "too_long"]
PHOTO_ERRORS = ["invalid_photo", "photo_too_large"]


def _reservation(token: str):
    reservation = reservation_selectors.reservation_by_token(token)
    if reservation is None:
        raise NotFound(_("예약을 찾을 수 없습니다."), code="reservation_not_found")
    return reservation


def _review_body(request: HttpRequest) -> tuple[Any, Any, UploadedFile | None, bool]:
    """``(rating, text, photo, remove_photo)`` from JSON, or from a multipart form (which
    may carry the ``photo`` file)."""
    if request.content_type == "multipart/form-data":
        return (
            rules.form_rating(request.POST.get("rating")),
            request.POST.get("text", ""),
            request.FILES.get("photo"),
            request.POST.get("remove_photo") in ("1", "true", "on"),
        )
    data = json_body(request, default={})
    if not isinstance(data, dict):
        raise InvalidInput(_("요청 본문은 JSON 객체여야 합니다."), code="invalid_input")
    return data.get("rating"), data.get("text", ""), None, data.get("remove_photo") is True


def _body_doc(schema: type) -> dict[str, Any]:
    return {
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": schema.model_json_schema()},
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            "rating": {"type": "integer"},
                            "text": {"type": "string"},
                            "photo": {"type": "string", "format": "binary"},
                        },
                    }
                },
            },
        }
    }


@router.post(
    "/reservations/{token:token}/review",
    summary="수령한 예약의 리뷰 쓰기 (비밀 링크) — 사진은 multipart의 photo",
    openapi_extra=_body_doc(ReviewIn),
    **documented(
        {201: ReviewOut},
        BODY_ERRORS,
        {
            404: ["reservation_not_found"],
            409: ["not_picked_up", "already_reviewed"],
            422: ["invalid_rating", *TEXT_ERRORS, *PHOTO_ERRORS],
            429: ["rate_limited"],
        },
    ),
)
def write_review(request: HttpRequest, token: str):
    reservation = _reservation(token)
    limits.check_review_rate(client_ip=client_ip(request), reservation_id=reservation.pk)
    rating, text, photo, _remove = _review_body(request)
    review = services.write_review(reservation=reservation, rating=rating, text=text, photo=photo)
    return Status(201, selectors.review_payload(review))


@router.get(
    "/reservations/{token:token}/review",
    summary="이 예약으로 쓴 리뷰 (비밀 링크)",
    **documented({200: ReviewOut}, {404: ["reservation_not_found", "review_not_found"]}),
)
def get_review(request: HttpRequest, token: str):
    review = selectors.review_of_reservation(_reservation(token))
    if review is None:
        raise NotFound(_("이 예약으로 쓴 리뷰가 없습니다."), code="review_not_found")
    return selectors.review_payload(review)


@router.put(
    "/reservations/{token:token}/review",
    summary="리뷰 고치기 (쓴 날부터 REVIEW_EDIT_DAYS일 동안)",
    openapi_extra=_body_doc(ReviewIn),
    **documented(
        {200: ReviewOut},
        BODY_ERRORS,
        {
            404: ["reservation_not_found", "review_not_found"],
            409: ["edit_window_over"],
            422: ["invalid_rating", *TEXT_ERRORS, *PHOTO_ERRORS],
            429: ["rate_limited"],
        },
    ),
)
def edit_review(request: HttpRequest, token: str):
    reservation = _reservation(token)
    limits.check_review_rate(client_ip=client_ip(request), reservation_id=reservation.pk)
    rating, text, photo, remove = _review_body(request)
    review = services.edit_review(
        reservation=reservation, rating=rating, text=text, photo=photo, remove_photo=remove
    )
    return selectors.review_payload(review)


@router.delete(
    "/reservations/{token:token}/review",
    summary="내 리뷰 지우기",
    **documented(
        {200: DeletedOut},
        {404: ["reservation_not_found", "review_not_found"], 429: ["rate_limited"]},
    ),
)
def delete_review(request: HttpRequest, token: str):
    reservation = _reservation(token)
    limits.check_review_rate(client_ip=client_ip(request), reservation_id=reservation.pk)
    review_id = services.delete_review(reservation=reservation)
    return {"id": review_id, "deleted": True}


@router.get(
    "/shops/{shop:slug}/reviews",
    summary="가게의 리뷰: 개수, 평균 별점, 최근 리뷰와 사장님 답글 (?photos=1: 사진 리뷰만)",
    **documented({200: ShopReviewsOut}, PUBLIC_SHOP_ERRORS),
)
def shop_reviews(request: HttpRequest, slug: str, photos: bool = False):
    return selectors.shop_reviews_payload(public_shop(slug), photos_only=photos)


def _owner(request: HttpRequest, slug: str):
    return shop_for_actor(request.auth, request.user, slug, MANAGING_ROLES)


def _actor(request: HttpRequest) -> services.Actor:
    if isinstance(request.auth, ApiToken):
        return services.Actor(label=f"token:{request.auth.pk}")
    return services.Actor(user=request.user, label=request.user.get_username())


@router.post(
    "/shops/{shop:slug}/reviews/{review_id}/reply",
    auth=owner_auth,
    summary="리뷰에 사장님 답글 (리뷰당 하나, 다시 보내면 고쳐짐)",
    **documented(
        {200: ReviewOut},
        OWNER_ERRORS,
        BODY_ERRORS,
        {404: ["review_not_found"], 422: ["required", *TEXT_ERRORS]},
    ),
)
def reply(request: HttpRequest, slug: str, review_id: int, payload: ReplyIn):
    shop = _owner(request, slug)
    review = services.reply_to_review(
        shop=shop, review_id=review_id, text=payload.text, actor=_actor(request)
    )
    return selectors.review_payload(review)


@router.post(
    "/shops/{shop:slug}/reviews/{review_id}/report",
    auth=owner_auth,
    summary="리뷰 신고 — 운영자가 /admin/에서 결정할 때까지 숨김",
    **documented(
        {200: ReviewOut},
        OWNER_ERRORS,
        BODY_ERRORS,
        {404: ["review_not_found"], 422: ["required", *TEXT_ERRORS]},
    ),
)
def report(request: HttpRequest, slug: str, review_id: int, payload: ReportIn):
    shop = _owner(request, slug)
    review = services.report_review(
        shop=shop, review_id=review_id, reason=payload.reason, actor=_actor(request)
    )
    return selectors.review_payload(review)
