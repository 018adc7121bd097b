"""The listing as the public contract shows it (``L`` in DESIGN.md)."""

from __future__ import annotations

from typing import Any

from livestock.models import Listing


def listing_payload(listing: Listing) -> dict[str, Any]:
    return {
        "id": listing.pk,
        "name": listing.name,
        "unit": listing.unit,
        "available": listing.available,
        "price": listing.price,
        "pickup_price": listing.pickup_price,
        "status": str(listing.status),
        "staff_note": listing.staff_note,
        "max_per_customer": listing.per_customer_limit,
        "photo_url": listing.photo.url if listing.photo else None,
        # The smallest copy (320 px), for a card; None for a photo stored without copies.
        "photo_card_url": card["url"] if (card := listing.photo_card) else None,
        "video_url": listing.video.url if listing.video else None,
        "arrived_at": listing.arrived_at.isoformat(),
        "options": [
            {
                "id": option.pk,
                "label": option.label,
                "units": option.units,
                "price": option.price,
                "pickup_price": option.pickup_price,
                "available": listing.available // option.units if listing.is_active else 0,
            }
            for option in listing.options.all()
        ],
    }


def stock_message(shop_slug: str, version: int, listing: dict[str, Any]) -> dict[str, Any]:
    return {"type": "stock", "shop": shop_slug, "version": version, "listing": listing}


def snapshot_message(
    shop_slug: str, version: int, listings: list[dict[str, Any]]
) -> dict[str, Any]:
    return {"type": "snapshot", "shop": shop_slug, "version": version, "listings": listings}
