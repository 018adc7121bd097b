"""The owner console's "숫자" page and the CSV export (session-signed-in managers)."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from insights import charts, korean, payloads, selectors
from insights.facts import CHANNELS
from shops.auth import MANAGING_ROLES, console_shop
from shops.errors import InvalidInput
from shops.models import ShareChannel

PERIODS = (7, 30, 90)
DEFAULT_PERIOD = 30
BEST_SELLERS = 8
# Cells a spreadsheet would run as a formula (CSV injection): shown as text instead.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _period_days(raw: str | None) -> int:
    try:
        days = int(raw or DEFAULT_PERIOD)
    except ValueError:
        return DEFAULT_PERIOD
    return days if days in PERIODS else DEFAULT_PERIOD


def _channel_label(channel: str) -> str:
    return str(ShareChannel(channel).label) if channel in ShareChannel.values else channel


def _compare(today_row, last_week_row) -> list[dict]:
    tiles = []
    for key, label, money in (
        ("reservations", _("예약"), False),
        ("picked_up", _("수령"), False),
        ("no_shows", _("노쇼"), False),
        ("revenue_won", _("매출"), True),
    ):
        now, before = getattr(today_row, key), getattr(last_week_row, key)
        tiles.append({"key": key, "label": label, "now": now, "before": before, "money": money})
    return tiles


@login_required
def stats_page(request: HttpRequest, slug: str) -> HttpResponse:
    shop = console_shop(request, slug, MANAGING_ROLES)
    days = _period_days(request.GET.get("days"))
    today = timezone.localdate()
    first = today - timedelta(days=days - 1)
    period = selectors.period(shop.pk, first, today, today=today)
    last_week = selectors.day_row(shop.pk, today - timedelta(days=7), today=today)
    totals = payloads.totals_payload(period.days)
    items = payloads.listing_totals(period.listings)
    labels = [f"{d.day.month}/{d.day.day}" for d in period.days]

    daily = [
        {
            "day": d.day,
            "reservations": d.reservations,
            "picked_up": d.picked_up,
            "no_shows": d.no_shows,
            "no_show_rate": korean.percent(d.no_shows, d.picked_up + d.no_shows),
            "revenue_won": d.revenue_won,
        }
        for d in period.days
    ]
    funnel = [
        {
            "channel": c,
            "label": _channel_label(c),
            "visits": totals["visits_by_channel"][c],
            "reservations": totals["reservations_by_channel"][c],
            "rate": korean.percent(
                totals["reservations_by_channel"][c], totals["visits_by_channel"][c]
            ),
        }
        for c in CHANNELS
    ]
    best = items[:BEST_SELLERS]
    for item in best:
        item["units_sold"] = item["units_reserved"] + item["units_counter_sold"]
    sell_outs = [i for i in items if i["average_sold_out_seconds"] is not None][:BEST_SELLERS]
    hour_labels = [_("%(hour)d시") % {"hour": h} for h in range(24)]
    figures = {
        "daily": charts.column_chart(
            chart_id="chart-daily",
            title=_("날짜별 예약과 수령"),
            labels=labels,
            series=[
                charts.Series(_("예약"), [d.reservations for d in period.days]),
                charts.Series(_("수령"), [d.picked_up for d in period.days]),
            ],
        ),
        "no_shows": charts.column_chart(
            chart_id="chart-no-shows",
            title=_("날짜별 노쇼 비율"),
            labels=labels,
            series=[charts.Series(_("노쇼 비율"), [r["no_show_rate"] or 0 for r in daily])],
            value_label=lambda v: f"{v:.0f}%",
        ),
        "hours": charts.column_chart(
            chart_id="chart-hours",
            title=_("시간대별 예약"),
            labels=hour_labels,
            series=[charts.Series(_("예약"), totals["hours"])],
            max_labels=6,
        ),
        "funnel": charts.bar_list(
            chart_id="chart-funnel",
            title=_("공유 경로별 방문과 예약"),
            labels=[r["label"] for r in funnel],
            series=[
                charts.Series(_("방문"), [r["visits"] for r in funnel]),
                charts.Series(_("예약"), [r["reservations"] for r in funnel]),
            ],
        ),
        "best": charts.bar_list(
            chart_id="chart-best",
            title=_("많이 팔린 상품"),
            labels=[i["name"] for i in best],
            series=[charts.Series(_("팔린 수량"), [i["units_sold"] for i in best])],
        ),
        "sell_outs": charts.bar_list(
            chart_id="chart-sell-outs",
            title=_("소진까지 걸린 시간 (평균)"),
            labels=[i["name"] for i in sell_outs],
            series=[
                charts.Series(_("소진 시간"), [i["average_sold_out_seconds"] for i in sell_outs])
            ],
            value_label=korean.duration_korean,
        ),
    }
    tomorrow = today + timedelta(days=1)
    context = {
        "shop": shop,
        "days": days,
        "periods": PERIODS,
        "first": first,
        "today": today,
        "compare": _compare(period.days[-1], last_week),
        "last_week_day": today - timedelta(days=7),
        "totals": totals,
        "daily": daily,
        "hours": list(zip(hour_labels, totals["hours"], strict=True)),
        "funnel": funnel,
        "best": best,
        "sell_outs": sell_outs,
        "charts": {name: mark_safe(svg) for name, svg in figures.items()},  # escaped inside
        "tomorrow": tomorrow,
        "forecast": selectors.forecast_for(shop.pk, tomorrow, today=today),
    }
    return render(request, "owner/stats.html", context)


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
        *[_("방문: %(channel)s") % {"channel": _channel_label(c)} for c in CHANNELS],
        *[_("예약: %(channel)s") % {"channel": _channel_label(c)} for c in CHANNELS],
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
