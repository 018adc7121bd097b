"""What "near me" shows: shops whose area contains the customer, with live counts and the
nearest pickup point. Shared by ``GET /api/shops/nearby`` and the ``/`` page.

Customers' positions rarely repeat, so a whole answer seldom can be kept; what each shop
contributes to one can. A shop's part (its listings, its active pickup points, its calendar)
depends only on its state, so it is kept per process under the shop's two versions (the
search reads them with the shop) and the day, like the pages in ``storefront.page_cache``,
and forgotten with them. An answer at a new position is then the search, the distances to
the kept pickup points and the opening labels of the minute, with no other statement while
the shops it finds are as they were.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.utils import timezone

from livestock.models import Listing
from livestock.payloads import listing_payload
from pickup.selectors import active_points, pickup_point_payload
from shops import calendar, geo
from shops.selectors import NearbyShop, nearby_shops, open_status_of, shop_calendars
from storefront.page_cache import Store

MAX_RESULTS = 50
CALENDAR_DAYS = 60


@dataclass(frozen=True)
class ShopPart:
    """What an answer shows of a shop that its versions and the day decide."""

    listings: list[dict[str, Any]]
    points: list[dict[str, Any]]  # its active pickup points, without a distance
    calendar: calendar.Calendar


# Small (a few listings and points each): a neighbourhood's worth and more.
shop_parts = Store(limit=4096)


def listings_by_shop(shop_ids: list[int]) -> dict[int, list[Listing]]:
    grouped: dict[int, list[Listing]] = {shop_id: [] for shop_id in shop_ids}
    for listing in (
        Listing.objects.filter(shop_id__in=shop_ids, is_active=True)
        .prefetch_related("options")
        .order_by("-arrived_at", "id")
    ):
        grouped[listing.shop_id].append(listing)
    return grouped


def _read_parts(shop_ids: list[int], today: date) -> dict[int, ShopPart]:
    listings = listings_by_shop(shop_ids)
    points: dict[int, list[dict[str, Any]]] = {shop_id: [] for shop_id in shop_ids}
    for point in active_points(shop_ids).order_by("id"):
        points[point.shop_id].append(pickup_point_payload(point))
    calendars = shop_calendars(shop_ids, today, CALENDAR_DAYS)
    return {
        shop_id: ShopPart(
            listings=[listing_payload(listing) for listing in listings[shop_id]],
            points=points[shop_id],
            calendar=calendars[shop_id],
        )
        for shop_id in shop_ids
    }


def parts_of(hits: list[NearbyShop], today: date) -> dict[int, ShopPart]:
    """Each found shop's part: kept, or read (three statements for all that are not)."""

    def key(hit: NearbyShop) -> tuple:
        return (hit.id, hit.stock_version, hit.page_version, today)

    parts: dict[int, ShopPart] = {}
    missing: list[NearbyShop] = []
    for hit in hits:
        kept = shop_parts.get(key(hit))
        if kept is None:
            missing.append(hit)
        else:
            parts[hit.id] = kept
    if missing:
        # Read after the versions the search saw: a part is never older than its key.
        read = _read_parts([hit.id for hit in missing], today)
        for hit in missing:
            shop_parts.put(key(hit), read[hit.id], [hit.id])
        parts.update(read)
    return parts


def _nearest_points(
    parts: dict[int, ShopPart], lat: float, lng: float
) -> dict[int, dict[str, Any]]:
    """Each shop's active pickup point nearest to (lat, lng), with the distance (the first
    by id of equally near ones)."""
    owners = [(shop_id, point) for shop_id, part in parts.items() for point in part.points]
    if not owners:
        return {}
    meters, _bearing = geo.inverse_many(
        lat, lng, [point["lat"] for _s, point in owners], [point["lng"] for _s, point in owners]
    )
    best: dict[int, tuple[float, dict[str, Any]]] = {}
    for (shop_id, point), distance in zip(owners, meters.tolist(), strict=True):
        if shop_id not in best or distance < best[shop_id][0]:
            best[shop_id] = (distance, point)
    return {
        shop_id: {
            **point,
            "distance_m": int(round(distance)),
            "distance_text": geo.format_distance(distance),
        }
        for shop_id, (distance, point) in best.items()
    }


def near_me(
    lat: float, lng: float, limit: int = MAX_RESULTS, found: list[NearbyShop] | None = None
) -> list[dict[str, Any]]:
    """``found``: what a search at (lat, lng) with this limit found just before, if one did."""
    hits = nearby_shops(lat, lng, limit=limit) if found is None else found
    if not hits:
        return []
    now = timezone.now()
    parts = parts_of(hits, timezone.localtime(now).date())
    pickup = _nearest_points(parts, lat, lng)
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
            **open_status_of(parts[hit.id].calendar, now),
            "listings": parts[hit.id].listings,
            "nearest_pickup_point": pickup.get(hit.id),
        }
        for hit in hits
    ]
