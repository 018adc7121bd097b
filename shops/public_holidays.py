"""Korean public holidays (the maintained ``holidays`` package) as suggestions only: the owner
console lists the coming ones and the owner confirms each as a closure; nothing is applied
without the owner."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, timedelta

import holidays

SUGGEST_DAYS = 60


@dataclass(frozen=True)
class HolidaySuggestion:
    date: date
    name: str


def holiday_suggestions(
    today: date, already_closed: Collection[date] = (), *, days: int = SUGGEST_DAYS
) -> list[HolidaySuggestion]:
    """Korean public holidays from ``today`` for ``days`` days, minus days already closed."""
    end = today + timedelta(days=days)
    calendar = holidays.country_holidays("KR", years=sorted({today.year, end.year}), language="ko")
    return [
        HolidaySuggestion(date=day, name=str(name))
        for day, name in sorted(calendar.items())
        if today <= day <= end and day not in already_closed
    ]
