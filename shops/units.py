"""How a count and its unit read together (plain Python, no Django; static/js/units.js says
the same for the live page).

Korean runs a count into its unit ("198팩"), but a unit that starts with a digit would run
into the number ("50" + "500g" reads as "50500g"), so that one is written "50 × 500g".
"""

from __future__ import annotations


def unit_text(unit: str | None) -> str:
    """What follows the count: "팩" → "팩", "500g" → " × 500g"."""
    unit = (unit or "").strip()
    return f" × {unit}" if unit[:1].isdigit() else unit


def count_text(count: int, unit: str | None) -> str:
    """ "198팩", "50 × 500g"."""
    return f"{count}{unit_text(unit)}"


def has_discount(price: int | None, pickup_price: int | None) -> bool:
    """A regular price is struck through only when the pickup price is really lower."""
    try:
        return int(pickup_price) < int(price)
    except (TypeError, ValueError):
        return False
