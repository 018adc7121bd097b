"""Small rules of reviews with no Django in them: the masked nickname, the average shown."""

from __future__ import annotations

from collections.abc import Iterable


def mask_nickname(name: str) -> str:
    """ "김동네" → "김**", "Alex Kim" → "A***": the first letter and the rest hidden (at most
    three stars, so the length of a name says little). Never a phone number: a name made of
    digits is shown as "손님"."""
    name = " ".join((name or "").split())
    if not name or name[0].isdigit() or name[0] in "+(":
        return "손님"
    return name[0] + "*" * min(3, max(2, len(name) - 1))


def average(ratings: Iterable[int]) -> float | None:
    values = list(ratings)
    if not values:
        return None
    return round(sum(values) / len(values), 1)


def stars_label(average_rating: float | None, count: int) -> str:
    """ "★4.8 (126)" for a share preview; empty while there is no review."""
    if not count or average_rating is None:
        return ""
    return f"★{average_rating:.1f} ({count})"


def form_rating(value: object) -> object:
    """A rating as a form sends it ("4"): a small whole number when it is one; anything else
    is passed on as is, for the service to refuse with its one message."""
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) < 3:
        return int(value.strip())
    return value
