"""Daily rollups of a shop's committed facts, kept for two years (INSIGHTS_RETENTION_DAYS).

Written only by ``insights.services`` (the worker's nightly rollup, or a rebuild of a past
day); pages, the API and the CSV read them. Counters only: no phone number, name, device or
keyed hash of anyone is ever copied here.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from shops.models import Shop


def zero_hours() -> list[int]:
    return [0] * 24


class DailyStat(models.Model):
    """One shop's Asia/Seoul day. A day without activity is a row of zeros, not a gap.

    Each fact counts on the day it happened: a reservation on the day it was made, a pickup,
    no-show or cancellation on the day it closed, revenue (the price paid) on the day of
    pickup.
    """

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="daily_stats")
    day = models.DateField(_("날짜"))
    reservations = models.PositiveIntegerField(_("예약"), default=0)
    returning_reservations = models.PositiveIntegerField(_("재구매 손님 예약"), default=0)
    picked_up = models.PositiveIntegerField(_("수령"), default=0)
    no_shows = models.PositiveIntegerField(_("노쇼"), default=0)
    cancelled = models.PositiveIntegerField(_("취소"), default=0)
    cancelled_by_customer = models.PositiveIntegerField(_("손님 취소"), default=0)
    cancelled_by_shop = models.PositiveIntegerField(_("가게 취소"), default=0)
    units_reserved = models.PositiveIntegerField(_("예약 수량"), default=0)
    units_picked_up = models.PositiveIntegerField(_("수령 수량"), default=0)
    revenue_won = models.PositiveBigIntegerField(_("매출(원)"), default=0)
    visits = models.PositiveIntegerField(_("공유 링크 방문"), default=0)
    # {"kakao": n, …} for every share channel, zeros included.
    visits_by_channel = models.JSONField(default=dict)
    reservations_by_channel = models.JSONField(default=dict)
    # Reservations made in each hour 0–23 (Asia/Seoul).
    hours = models.JSONField(default=zero_hours)
    # [{"id", "name", "reservations", "units", "picked_up"}] per pickup point used that day.
    pickup_points = models.JSONField(default=list)
    computed_at = models.DateTimeField(_("계산 시각"))

    class Meta:
        verbose_name = _("일별 숫자")
        verbose_name_plural = _("일별 숫자")
        ordering = ["shop", "day"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "day"], name="dailystat_unique_shop_day"),
        ]

    def __str__(self) -> str:
        return f"{self.shop_id} {self.day}"


class DailyListingStat(models.Model):
    """One listing on one day: demand, sales, and how fast it sold out.

    ``sold_out_seconds`` runs from the stock event that put the listing on sale from zero
    (arrival or restock) to the first later event that left it at zero (StockEvent log).
    """

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="daily_listing_stats")
    day = models.DateField(_("날짜"))
    listing = models.ForeignKey(
        "livestock.Listing", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    name = models.CharField(_("상품명"), max_length=120)
    unit = models.CharField(_("단위"), max_length=20, blank=True)
    reservations = models.PositiveIntegerField(_("예약"), default=0)
    units_reserved = models.PositiveIntegerField(_("예약 수량"), default=0)
    units_picked_up = models.PositiveIntegerField(_("수령 수량"), default=0)
    revenue_won = models.PositiveBigIntegerField(_("매출(원)"), default=0)
    units_arrived = models.PositiveIntegerField(_("입고 수량"), default=0)
    units_counter_sold = models.PositiveIntegerField(_("매장 판매 수량"), default=0)
    on_sale_at = models.DateTimeField(_("판매 시작"), null=True, blank=True)
    sold_out_at = models.DateTimeField(_("소진 시각"), null=True, blank=True)
    sold_out_seconds = models.PositiveIntegerField(_("소진까지 걸린 시간(초)"), null=True)

    class Meta:
        verbose_name = _("상품별 일별 숫자")
        verbose_name_plural = _("상품별 일별 숫자")
        ordering = ["shop", "day", "name"]
        indexes = [models.Index(fields=["shop", "day"], name="dailylisting_shop_day_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "day", "listing"], name="dailylisting_unique_shop_day_listing"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.shop_id} {self.day} {self.name}"

    @property
    def units_sold(self) -> int:
        """What customers wanted that day: units reserved plus units sold at the counter."""
        return self.units_reserved + self.units_counter_sold
