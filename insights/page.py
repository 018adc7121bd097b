"""What the owner console's "숫자" page shows: figures, charts and tables built from the
selectors (no request, no HTML besides the charts' SVG, which insights.charts escapes)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from insights import charts, korean, payloads, selectors
from insights.facts import CHANNELS
from shops.models import ShareChannel

PERIODS = (7, 30, 90)
DEFAULT_PERIOD = 30
BEST_SELLERS = 8


def period_days(raw: str | None) -> int:
    """``?days=`` → one of PERIODS (anything else: the default)."""
    try:
        days = int(raw or DEFAULT_PERIOD)
    except ValueError:
        return DEFAULT_PERIOD
    return days if days in PERIODS else DEFAULT_PERIOD


def channel_label(channel: str) -> str:
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


def numbers_page(shop_id: int, days: int, today: date) -> dict[str, Any]:
    """Everything the page shows for the last ``days`` days up to ``today``."""
    first = today - timedelta(days=days - 1)
    period = selectors.period(shop_id, first, today, today=today)
    last_week = selectors.day_row(shop_id, today - timedelta(days=7), today=today)
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
            "label": channel_label(c),
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
    return {
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
        "forecast": selectors.forecast_for(shop_id, tomorrow, today=today),
    }
