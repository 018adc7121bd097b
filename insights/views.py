"""The owner console's "숫자" page and the CSV export (session-signed-in managers)."""

from __future__ import annotations

import csv
import io

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from insights import page, payloads, selectors
from insights.facts import CHANNELS
from shops.auth import MANAGING_ROLES, console_shop
from shops.errors import InvalidInput

# Cells a spreadsheet would run as a formula (CSV injection): shown as text instead.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@login_required
def stats_page(request: HttpRequest, slug: str) -> HttpResponse:
    shop = console_shop(request, slug, MANAGING_ROLES)
    days = page.period_days(request.GET.get("days"))
    context = page.numbers_page(shop.pk, days, timezone.localdate())
    return render(request, "owner/stats.html", {"shop": shop, **context})


# --- CSV -------------------------------------------------------------------------------


def _cell(value) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _local_time(moment) -> str:
    return timezone.localtime(moment).strftime("%H:%M") if moment else ""


def _daily_rows(period: selectors.Period) -> list[list]:
    header = [
        _("날짜"),
        _("예약"),
        _("수령"),
        _("노쇼"),
        _("취소"),
        _("손님 취소"),
        _("가게 취소"),
        _("예약 수량"),
        _("수령 수량"),
        _("매출(원)"),
        _("재구매 손님 예약"),
        _("공유 링크 방문"),
        *[_("방문: %(channel)s") % {"channel": page.channel_label(c)} for c in CHANNELS],
        *[_("예약: %(channel)s") % {"channel": page.channel_label(c)} for c in CHANNELS],
    ]
    rows = [header]
    for stat in period.days:
        data = payloads.day_payload(stat)
        rows.append(
            [
                data["date"],
                *(
                    data[k]
                    for k in (
                        "reservations",
                        "picked_up",
                        "no_shows",
                        "cancelled",
                        "cancelled_by_customer",
                        "cancelled_by_shop",
                        "units_reserved",
                        "units_picked_up",
                        "revenue_won",
                        "returning_reservations",
                        "visits",
                    )
                ),
                *(data["visits_by_channel"][c] for c in CHANNELS),
                *(data["reservations_by_channel"][c] for c in CHANNELS),
            ]
        )
    return rows


def _listing_rows(period: selectors.Period) -> list[list]:
    rows = [
        [
            _("날짜"),
            _("상품"),
            _("단위"),
            _("예약"),
            _("예약 수량"),
            _("수령 수량"),
            _("매출(원)"),
            _("입고 수량"),
            _("매장 판매 수량"),
            _("판매 시작"),
            _("소진 시각"),
            _("소진까지(분)"),
        ]
    ]
    for row in period.listings:
        rows.append(
            [
                row.day.isoformat(),
                _cell(row.name),
                _cell(row.unit),
                row.reservations,
                row.units_reserved,
                row.units_picked_up,
                row.revenue_won,
                row.units_arrived,
                row.units_counter_sold,
                _local_time(row.on_sale_at),
                _local_time(row.sold_out_at),
                "" if row.sold_out_seconds is None else row.sold_out_seconds // 60,
            ]
        )
    return rows


@login_required
def stats_csv(request: HttpRequest, slug: str) -> HttpResponse:
    """``?from=&to=`` (as the API), ``rows=days`` (default) or ``rows=listings``. UTF-8 with
    a byte-order mark, so Excel opens the Korean correctly."""
    shop = console_shop(request, slug, MANAGING_ROLES)
    try:
        first, last = selectors.parse_range(request.GET.get("from"), request.GET.get("to"))
    except InvalidInput as error:
        return HttpResponse(error.detail, status=422, content_type="text/plain; charset=utf-8")
    kind = "listings" if request.GET.get("rows") == "listings" else "days"
    period = selectors.period(shop.pk, first, last)
    rows = _listing_rows(period) if kind == "listings" else _daily_rows(period)
    buffer = io.StringIO()
    buffer.write("\ufeff")
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    response = HttpResponse(
        buffer.getvalue().encode("utf-8"), content_type="text/csv; charset=utf-8"
    )
    name = f"{shop.slug}-{kind}-{first.isoformat()}-{last.isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response
