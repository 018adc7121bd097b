"""Reads of live stock shared by the page, the API and the websocket consumer."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from livestock.models import Listing, StockEvent
from livestock.payloads import listing_payload, snapshot_message
from shops.models import Shop


def active_listings(shop_id: int) -> QuerySet[Listing]:
    return (
        Listing.objects.filter(shop_id=shop_id, is_active=True)
        .prefetch_related("options")
        .order_by("-arrived_at", "id")
    )


def current_version(shop_id: int) -> int | None:
    return Shop.objects.filter(pk=shop_id).values_list("stock_version", flat=True).first()


def stock_snapshot(shop: Shop) -> dict[str, Any]:
    """Version first, then listings: the listings are never older than the version says.

    A ``stock`` message carries the whole listing, so re-applying one the snapshot already
    reflects is harmless; missing one would not be.
    """
    version = current_version(shop.pk) or 0
    listings = [listing_payload(listing) for listing in active_listings(shop.pk)]
    return snapshot_message(shop.slug, version, listings)


def stock_messages_after(shop: Shop, version: int, until: int) -> list[dict[str, Any]] | None:
    """The ``stock`` messages (version, until], in order; None when the log no longer has them."""
    wanted = until - version
    if wanted <= 0:
        return []
    if wanted > settings.LIVESTOCK_EVENTS_KEPT:
        return None
    rows = list(
        StockEvent.objects.filter(shop_id=shop.pk, version__gt=version, version__lte=until)
        .order_by("version")
        .values_list("version", "payload")
    )
    if len(rows) != wanted:
        return None
    return [
        {"type": "stock", "shop": shop.slug, "version": v, "listing": payload}
        for v, payload in rows
    ]


def stock_since(shop: Shop, since: int | None) -> dict[str, Any]:
    """The poll fallback: current version plus every listing changed after ``since``."""
    version = current_version(shop.pk) or 0
    if since is not None and 0 <= since <= version:
        changed_ids = set(
            StockEvent.objects.filter(
                shop_id=shop.pk, version__gt=since, version__lte=version
            ).values_list("listing_id", flat=True)
        )
        oldest_kept = (
            StockEvent.objects.filter(shop_id=shop.pk)
            .order_by("version")
            .values_list("version", flat=True)
            .first()
        )
        if since == version or oldest_kept is not None and oldest_kept <= since + 1:
            listings = Listing.objects.filter(pk__in=changed_ids).prefetch_related("options")
            return {
                "version": version,
                "full": False,
                "listings": [listing_payload(listing) for listing in listings],
            }
    return {
        "version": version,
        "full": True,
        "listings": [listing_payload(listing) for listing in active_listings(shop.pk)],
    }


MAX_DB_ID = 2**63 - 1


def shop_listing(shop_id: int, listing_id: int) -> Listing | None:
    """One of the shop's listings, ended ones included (shared links outlive a sale)."""
    if not 0 < listing_id <= MAX_DB_ID:
        return None
    return (
        Listing.objects.filter(shop_id=shop_id, pk=listing_id).prefetch_related("options").first()
    )


def recently_ended(shop_id: int, *, days: int = 7, limit: int = 10) -> list[Listing]:
    """Listings taken off the board in the last ``days``, newest first, one per name:
    what "다시 올리기" offers to post again."""
    since = timezone.now() - timedelta(days=days)
    seen: set[tuple[str, str]] = set()
    found: list[Listing] = []
    for listing in (
        Listing.objects.filter(shop_id=shop_id, is_active=False, arrived_at__gte=since)
        .prefetch_related("options")
        .order_by("-arrived_at", "-id")[: limit * 5]
    ):
        key = (listing.name, listing.unit)
        if key in seen:
            continue
        seen.add(key)
        found.append(listing)
        if len(found) == limit:
            break
    return found
