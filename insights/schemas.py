"""Response schemas of the owner's numbers (``GET /api/shops/<slug>/stats``)."""

from __future__ import annotations

from pydantic import Field

from shops.api_schemas import OutSchema


class StatsDayOut(OutSchema):
    date: str = Field(description="YYYY-MM-DD (Asia/Seoul)")
    reservations: int = Field(description="그날 들어온 예약")
    picked_up: int = Field(description="그날 수령된 예약")
    no_shows: int = Field(description="그날 노쇼 처리된 예약")
    cancelled: int = Field(description="그날 취소된 예약 (손님+가게)")
    cancelled_by_customer: int
    cancelled_by_shop: int
    units_reserved: int
    units_picked_up: int
    revenue_won: int = Field(description="그날 수령된 예약의 결제 금액 합 (원)")
    visits: int = Field(description="공유 링크 방문 (손님당 경로·날짜별 1회)")
    returning_reservations: int = Field(description="전에 수령한 적 있는 손님의 예약")
    visits_by_channel: dict[str, int]
    reservations_by_channel: dict[str, int]


class StatsPointOut(OutSchema):
    id: int
    name: str
    reservations: int
    units: int
    picked_up: int


class StatsTotalsOut(StatsDayOut):
    date: str | None = None  # totals have no date
    hours: list[int] = Field(description="시간대(0–23시)별 예약 수")
    pickup_points: list[StatsPointOut] = Field(description="픽업 지점별 예약·수량·수령")
    day_count: int = Field(description="기간의 날 수")
    no_show_rate: float | None = Field(description="노쇼 / (수령+노쇼), %")
    returning_rate: float | None = Field(description="재구매 손님 예약 / 예약, %")


class StatsListingOut(OutSchema):
    name: str
    unit: str
    reservations: int
    units_reserved: int
    units_picked_up: int
    revenue_won: int
    units_arrived: int
    units_counter_sold: int
    days_sold_out: int
    average_sold_out_seconds: int | None


class StatsOut(OutSchema):
    days: list[StatsDayOut]
    totals: StatsTotalsOut
    listings: list[StatsListingOut] = Field(description="상품별 합계, 많이 팔린 순")
