"""What "near me" shows: shops whose area contains the customer, with live counts and the
nearest pickup point. Shared by ``GET /api/shops/nearby`` and the ``/`` page."""

from __future__ import annotations

from typing import Any

from livestock.models import Listing
from livestock.payloads import listing_payload
from pickup.selectors import nearest_pickup_points
from shops import geo
from shops.selectors import nearby_shops, open_statuses

MAX_RESULTS = 50


def listings_by_shop(shop_ids: list[int]) -> dict[int, list[Listing]]:
    grouped: dict[int, list[Listing]] = {shop_id: [] for shop_id in shop_ids}
    for listing in (
        Listing.objects.filter(shop_id__in=shop_ids, is_active=True)
        .prefetch_related("options")
        .order_by("-arrived_at", "id")
    ):
        grouped[listing.shop_id].append(listing)
    return grouped


def near_me(lat: float, lng: float, limit: int = MAX_RESULTS) -> list[dict[str, Any]]:
    hits = nearby_shops(lat, lng, limit=limit)
    if not hits:
        return []
    ids = [hit.id for hit in hits]
    listings = listings_by_shop(ids)
    pickup = nearest_pickup_points(ids, lat, lng)
    hours = open_statuses(ids)
    return [
        {
            "slug": hit.slug,
            "name": hit.name,
            "notice": hit.notice,
            "url": f"/s/{hit.slug}/",
            "lat": hit.lat,
            "lng": hit.lng,
            "distance_m": int(round(hit.distance_m)),
            "distance_text": geo.format_distance(hit.distance_m),
            "stock_version": hit.stock_version,
            **hours[hit.id],
            "listings": [listing_payload(listing) for listing in listings[hit.id]],
            "nearest_pickup_point": pickup.get(hit.id),
        }
        for hit in hits
    ]
