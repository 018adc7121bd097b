"""Template filters for the owner's numbers: won in 만/억 groups, durations, clock times."""

from __future__ import annotations

from django import template
from django.utils.translation import get_language

from insights import korean

register = template.Library()


def _english() -> bool:
    return (get_language() or "ko").startswith("en")


@register.filter
def won_ko(value) -> str:
    """1234567 → "123만 4,567원" (English: "₩1,234,567")."""
    try:
        amount = int(value)
    except (TypeError, ValueError):
        return ""
    return f"₩{amount:,}" if _english() else korean.won_korean(amount)


@register.filter
def duration_ko(seconds) -> str:
    """11520 → "3시간 12분" (English: "3 h 12 min")."""
    if seconds is None or seconds == "":
        return "–"
    if _english():
        minutes = int(seconds) // 60
        hours, minutes = divmod(minutes, 60)
        return f"{hours} h {minutes} min" if hours else f"{minutes} min"
    return korean.duration_korean(seconds)


@register.filter
def clock(minute_of_day) -> str:
    return korean.clock_korean(minute_of_day)


@register.filter
def pct(value) -> str:
    return "–" if value is None else f"{value}%"
