"""Numbers the way Korean owners read them: pure functions, no Django.

``won_korean(1234567)`` → "123만 4,567원"; ``won_short(1234567)`` → "123만 원" (chart labels);
``duration_korean(11520)`` → "3시간 12분".
"""

from __future__ import annotations

MAN = 10_000
EOK = 100_000_000


def won_korean(amount: int) -> str:
    """Full amount in 억/만 groups: 0 → "0원", 45000 → "4만 5,000원",
    123456789 → "1억 2,345만 6,789원"."""
    amount = int(amount)
    if amount < 0:
        return "-" + won_korean(-amount)
    if amount < MAN:
        return f"{amount:,}원"
    eok, rest = divmod(amount, EOK)
    man, won = divmod(rest, MAN)
    parts = []
    if eok:
        parts.append(f"{eok:,}억")
    if man:
        parts.append(f"{man:,}만")
    if won:
        parts.append(f"{won:,}원")
    else:
        parts[-1] += " 원"
    return " ".join(parts)


def won_short(amount: int) -> str:
    """Rounded for a chart axis or a tile: 980 → "980원", 45000 → "4.5만 원",
    1234567 → "123만 원", 250000000 → "2.5억 원"."""
    amount = int(amount)
    if amount < 0:
        return "-" + won_short(-amount)
    if amount < MAN:
        return f"{amount:,}원"
    if amount < EOK:
        value = amount / MAN
        text = f"{value:,.1f}" if value < 10 else f"{round(value):,}"
        return f"{text.removesuffix('.0')}만 원"
    value = amount / EOK
    text = f"{value:,.1f}" if value < 10 else f"{round(value):,}"
    return f"{text.removesuffix('.0')}억 원"


def duration_korean(seconds: int | float | None) -> str:
    """11520 → "3시간 12분"; 59 → "1분 미만"; None → "–"."""
    if seconds is None:
        return "–"
    minutes = int(seconds) // 60
    if minutes < 1:
        return "1분 미만"
    hours, minutes = divmod(minutes, 60)
    if hours and minutes:
        return f"{hours}시간 {minutes}분"
    if hours:
        return f"{hours}시간"
    return f"{minutes}분"


def clock_korean(minute_of_day: int | float | None) -> str:
    """Minutes after midnight → "14:10"; None → "–"."""
    if minute_of_day is None:
        return "–"
    minute = int(round(minute_of_day)) % (24 * 60)
    return f"{minute // 60:02d}:{minute % 60:02d}"


def percent(part: int, whole: int) -> float | None:
    """``part`` of ``whole`` in percent with one decimal, or None when ``whole`` is 0."""
    if not whole:
        return None
    return round(100 * part / whole, 1)
