"""A simple forecast the owner can use tomorrow morning: pure functions, no Django.

For each regular item (the same name on at least ``MIN_DAYS`` of the same weekday over the
last ``WEEKS`` weeks): the average units wanted on that weekday (reserved plus sold at the
counter), the average time it sold out, and a suggested order, rounded up. It is an estimate
(추정) and is labelled so wherever it is shown.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

WEEKS = 4
MIN_DAYS = 2


@dataclass(frozen=True)
class ItemDay:
    """One item on one past day."""

    day: date
    name: str
    unit: str
    units_sold: int
    sold_out_minute: int | None  # minutes after midnight (local) it sold out, if it did
    sold_out_seconds: int | None


@dataclass(frozen=True)
class ItemForecast:
    name: str
    unit: str
    days_seen: int
    average_sold: float
    suggested: int
    days_sold_out: int
    average_sold_out_minute: float | None
    average_sold_out_seconds: float | None


def same_weekdays(target: date, weeks: int = WEEKS) -> list[date]:
    """The same weekday in each of the ``weeks`` weeks before ``target``, latest first."""
    return [target - timedelta(days=7 * k) for k in range(1, weeks + 1)]


def forecast(rows: list[ItemDay], *, min_days: int = MIN_DAYS) -> list[ItemForecast]:
    """Group the past rows by item name; best sellers first."""
    by_name: dict[str, list[ItemDay]] = {}
    for row in rows:
        by_name.setdefault(row.name, []).append(row)
    result = []
    for name, items in by_name.items():
        days = {item.day for item in items}
        if len(days) < min_days:
            continue
        sold = sum(item.units_sold for item in items) / len(days)
        minutes = [item.sold_out_minute for item in items if item.sold_out_minute is not None]
        seconds = [item.sold_out_seconds for item in items if item.sold_out_seconds is not None]
        result.append(
            ItemForecast(
                name=name,
                unit=items[-1].unit,
                days_seen=len(days),
                average_sold=round(sold, 1),
                suggested=math.ceil(sold),
                days_sold_out=len(minutes),
                average_sold_out_minute=sum(minutes) / len(minutes) if minutes else None,
                average_sold_out_seconds=sum(seconds) / len(seconds) if seconds else None,
            )
        )
    result.sort(key=lambda f: (-f.average_sold, f.name))
    return result
