"""Request and response bodies of the reviews API."""

from __future__ import annotations

from typing import Any

from ninja import Schema
from pydantic import Field

from shops.api_schemas import OutSchema, described


class ReviewIn(Schema):
    rating: Any = described("integer", "별점 1–5", default=None, examples=[5])
    text: Any = described(
        "string",
        "리뷰 내용 (제어 문자 불가, 길이 제한 REVIEW_MAX_TEXT)",
        default="",
        examples=["달아요"],
    )


class ReplyIn(Schema):
    text: Any = described("string", "사장님 답글 (리뷰당 하나, 다시 보내면 고쳐짐)", default=None)


class ReportIn(Schema):
    reason: Any = described("string", "신고 사유 (300자 이하)", default=None)


class ReviewOut(OutSchema):
    id: int
    rating: int = Field(description="1–5")
    text: str
    created_at: str = Field(description="ISO 8601, Asia/Seoul")
    reply: str | None = Field(description="사장님 답글 (없으면 null)")
    replied_at: str | None
    updated_at: str
    nickname: str = Field(description="가려진 작성자 이름, 예: 김**")
    item_name: str
    listing_id: int | None
    photo_url: str | None
    status: str = Field(description="visible, reported (신고·숨김), hidden")


class ShopReviewsOut(OutSchema):
    count: int
    average: float | None = Field(description="공개 리뷰 별점 평균 (소수 첫째 자리)")
    photo_count: int
    reviews: list[ReviewOut]


class DeletedOut(OutSchema):
    id: int
    deleted: bool
