"""Response schemas of the stock API: the listing ``L`` of DESIGN.md and a stock result."""

from __future__ import annotations

from pydantic import Field

from shops.api_schemas import OutSchema


class OptionOut(OutSchema):
    id: int
    label: str
    units: int = Field(description="옵션 하나에 드는 기본 단위 수")
    price: int
    pickup_price: int
    available: int = Field(description="지금 예약할 수 있는 옵션 개수")


class ListingOut(OutSchema):
    id: int
    name: str
    unit: str
    available: int
    price: int
    pickup_price: int
    status: str = Field(description="active, sold_out, ended …")
    staff_note: str
    max_per_customer: int = Field(description="1인 최대 수량")
    photo_url: str | None = Field(description="사진 (가장 큰 사본, EXIF 없음)")
    photo_card_url: str | None = Field(
        default=None, description="목록 카드용 작은 사진 (320px), 사본이 없으면 null"
    )
    video_url: str | None
    arrived_at: str = Field(description="ISO 8601 시각")
    options: list[OptionOut]


class ListingWriteOut(ListingOut):
    version: int = Field(description="이 변경 뒤의 가게 재고 버전")


class StockResultOut(OutSchema):
    available: int
    version: int
    listing_id: int
    replayed: bool = Field(description="같은 Idempotency-Key로 이미 처리된 요청의 응답이면 true")


class StockPollOut(OutSchema):
    version: int
    full: bool = Field(description="true면 listings가 활성 상품 전체, false면 since 뒤 바뀐 상품만")
    listings: list[ListingOut]
