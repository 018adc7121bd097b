"""The owner's numbers as JSON (the API) and as rows (the CSV): one shape for both."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from insights.facts import CHANNELS
from insights.korean import percent
from insights.models import DailyStat
from insights.selectors import ListingDay, Period

COUNTS = (
    "reservations",
    "picked_up",
    "no_shows",
    "cancelled",
    "cancelled_by_customer",
    "cancelled_by_shop",
    "units_reserved",
    "units_picked_up",
    "revenue_won",
    "visits",
    "returning_reservations",
)
LISTING_COUNTS = (
    "reservations",
    "units_reserved",
    "units_picked_up",
    "revenue_won",
    "units_arrived",
    "units_counter_sold",
)


def _channels(value: dict | None) -> dict[str, int]:
    value = value or {}
    return {channel: int(value.get(channel, 0)) for channel in CHANNELS}


def day_payload(stat: DailyStat) -> dict[str, Any]:
    return {
        "date": stat.day.isoformat(),
        **{name: getattr(stat, name) for name in COUNTS},
        "visits_by_channel": _channels(stat.visits_by_channel),
        "reservations_by_channel": _channels(stat.reservations_by_channel),
    }


def totals_payload(days: Iterable[DailyStat]) -> dict[str, Any]:
    totals: dict[str, Any] = dict.fromkeys(COUNTS, 0)
    visits = dict.fromkeys(CHANNELS, 0)
    reserved = dict.fromkeys(CHANNELS, 0)
    hours = [0] * 24
    points: dict[int, dict[str, Any]] = {}
    count = 0
    for stat in days:
        count += 1
        for point in stat.pickup_points or []:
            entry = points.setdefault(
                point["id"],
                {
                    "id": point["id"],
                    "name": point["name"],
                    "reservations": 0,
                    "units": 0,
                    "picked_up": 0,
                },
            )
            for name in ("reservations", "units", "picked_up"):
                entry[name] += int(point.get(name, 0))
        for name in COUNTS:
            totals[name] += getattr(stat, name)
        for channel, value in _channels(stat.visits_by_channel).items():
            visits[channel] += value
        for channel, value in _channels(stat.reservations_by_channel).items():
            reserved[channel] += value
        for hour, value in enumerate((stat.hours or [0] * 24)[:24]):
            hours[hour] += int(value)
    closed = totals["picked_up"] + totals["no_shows"]
    return {
        **totals,
        "visits_by_channel": visits,
        "reservations_by_channel": reserved,
        "hours": hours,
        "pickup_points": sorted(points.values(), key=lambda p: (-p["reservations"], p["id"])),
        "day_count": count,
        "no_show_rate": percent(totals["no_shows"], closed),
        "returning_rate": percent(totals["returning_reservations"], totals["reservations"]),
    }


def listing_totals(rows: Iterable[ListingDay]) -> list[dict[str, Any]]:
    """Per item (same name and unit) over the period, best sellers first."""
    grouped: dict[tuple[str, str], dict[str, Any]] = {}
    for row in rows:
        entry = grouped.setdefault(
            (row.name, row.unit),
            {
                "name": row.name,
                "unit": row.unit,
                **dict.fromkeys(LISTING_COUNTS, 0),
                "days_sold_out": 0,
                "_seconds": [],
            },
        )
        for name in LISTING_COUNTS:
            entry[name] += getattr(row, name)
        if row.sold_out_seconds is not None:
            entry["days_sold_out"] += 1
            entry["_seconds"].append(row.sold_out_seconds)
    result = []
    for entry in grouped.values():
        seconds = entry.pop("_seconds")
        entry["average_sold_out_seconds"] = round(sum(seconds) / len(seconds)) if seconds else None
        result.append(entry)
    result.sort(key=lambda e: (-(e["units_reserved"] + e["units_counter_sold"]), e["name"]))
    return result


def stats_payload(period: Period) -> dict[str, Any]:
    return {
        "from": period.first.isoformat(),
        "to": period.last.isoformat(),
        "days": [day_payload(stat) for stat in period.days],
        "totals": totals_payload(period.days),
        "listings": listing_totals(period.listings),
    }
