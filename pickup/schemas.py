"""Response schemas of the pickup API: pickup points, partner invitations, reservations."""

from __future__ import annotations

from pydantic import Field

from shops.api_schemas import Number, OutSchema


class PickupPointOut(OutSchema):
    id: int
    name: str
    lat: Number
    lng: Number
    address: str
    opening_hours: str
    opens_at: str | None = Field(description="HH:MM")
    closes_at: str | None = Field(description="HH:MM")
    contact: str
    handover_notes: str
    photo_url: str | None
    is_shop_counter: bool
    status: str = Field(description="active 또는 paused")
    place_id: int
    distance_m: int | None = Field(None, description="기준 위치에서의 거리 (있을 때만)")
    distance_text: str | None = Field(None, description="거리 안내 문구 (있을 때만)")


class InvitationOut(OutSchema):
    id: int
    status: str = Field(description="pending, accepted, declined")
    shop: str = Field(description="요청한 가게 slug")
    place_id: int
    place_name: str
    owner_shop: str | None = Field(description="카페를 관리하는 가게 이름")
    created_at: str


class InvitationsOut(OutSchema):
    incoming: list[InvitationOut]
    outgoing: list[InvitationOut]


class ReservationShopOut(OutSchema):
    slug: str
    name: str


class ReservationPointOut(OutSchema):
    id: int
    name: str
    address: str
    lat: Number
    lng: Number
    opening_hours: str
    handover_notes: str
    is_shop_counter: bool


class WindowOut(OutSchema):
    id: int
    starts_at: str = Field(description="HH:MM")
    ends_at: str = Field(description="HH:MM")
    label: str


class ReservationOut(OutSchema):
    token: str = Field(description="비밀 링크 토큰")
    code: str
    code_display: str
    status: str
    status_label: str
    shop: ReservationShopOut
    listing_id: int | None
    option_id: int | None
    item_name: str
    quantity: int
    units: int
    unit_price: int
    total_price: int
    pickup_point: ReservationPointOut
    window: WindowOut | None
    date: str
    pickup_starts_at: str | None
    pickup_ends_at: str | None
    name: str
    phone_masked: str
    cancel_reason: str
    cancelled_by: str
    created_at: str | None
    updated_at: str | None
    url: str


class ReservationCreatedOut(ReservationOut):
    replayed: bool = Field(description="같은 Idempotency-Key로 이미 만든 예약이면 true")


__all__ = [
    "InvitationOut",
    "InvitationsOut",
    "PickupPointOut",
    "ReservationOut",
    "ReservationCreatedOut",
]


class PosReservationOut(OutSchema):
    """A reservation as a point-of-sale tool sees it (and as ``reservation.*`` webhooks
    carry it): no secret link, no name, the phone masked."""

    id: int
    shop: str
    status: str = Field(description="confirmed, ready, picked_up, cancelled, no_show")
    code: str = Field(description="손님이 보여 주는 수령 코드")
    listing_id: int | None
    option_id: int | None
    item_name: str
    quantity: int
    units: int
    total_price: int
    pickup_point_id: int
    pickup_date: str
    window: WindowOut | None
    pickup_starts_at: str | None
    pickup_ends_at: str | None
    phone: str = Field(description="가린 휴대폰 번호, 예: 010-****-1234")
    cancel_reason: str
    cancelled_by: str
    version: int = Field(description="이 예약의 변경 번호 (변경마다 1씩 커짐)")
    created_at: str | None
    updated_at: str | None
