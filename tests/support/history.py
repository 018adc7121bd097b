"""What each stock version really looked like, from the StockEvent log, to judge clients by."""

from __future__ import annotations

from livestock.models import StockEvent


def states_by_version(shop_id: int) -> dict[int, dict[int, int]]:
    """version → {listing id: available} as committed right after that version."""
    states: dict[int, dict[int, int]] = {}
    current: dict[int, int] = {}
    for version, listing_id, available in (
        StockEvent.objects.filter(shop_id=shop_id)
        .order_by("version")
        .values_list("version", "listing_id", "available_after")
    ):
        current = {**current, listing_id: available}
        states[version] = current
    return states


def wrong_states(shown: list[tuple[int, dict[int, int]]], shop_id: int) -> list[str]:
    """Every state a client showed that never existed at its version (empty when honest)."""
    truth = states_by_version(shop_id)
    wrong = []
    for version, counts in shown:
        expected = truth.get(version, {})
        for listing_id, available in counts.items():
            if expected.get(listing_id) != available:
                wrong.append(
                    f"v{version}: listing {listing_id} showed {available}, "
                    f"was {expected.get(listing_id)}"
                )
    return wrong
