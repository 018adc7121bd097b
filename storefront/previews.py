"""Link previews: the Open Graph text and the og:image of shop and listing pages.

The image URL carries the shop's stock version and a digest of what is drawn
(``/s/<slug>/og/<version>-<digest>.png``), so a new count gives a new URL and KakaoTalk's
URL cache never shows an old count as current. Each image is drawn once per URL and kept in
the shared cache (Redis when configured) and in a small per-process memory; a repeat
request is answered from memory without touching the database. The content behind an
image URL never changes, so neither copy can go stale.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from livestock import selectors as stock_selectors
from livestock.models import Listing
from pickup import reservation_selectors
from reviews import selectors as review_selectors
from shops.models import Shop
from storefront import og_image

logger = logging.getLogger(__name__)

PREVIEW_ROWS = og_image.MAX_ROWS
DESCRIPTION_MAX_CHARS = 200


@dataclass(frozen=True)
class PreviewImage:
    version: int
    digest: str
    png: bytes


def cache_key(slug: str, listing_id: int | None, version: int, digest: str) -> str:
    return f"og:{og_image.STYLE_REVISION}:{slug}:{listing_id or 0}:{version}:{digest}"


def radius_label(meters: int) -> str:
    km = meters / 1000
    return f"{km:.0f}km" if km == int(km) else f"{km:.1f}km"


def _ordered(listings: Sequence[Listing], featured: Listing | None) -> list[Listing]:
    """The featured listing first, then what is on sale, then what sold out (arrival order kept)."""
    rest = [item for item in listings if featured is None or item.pk != featured.pk]
    rest.sort(key=lambda item: item.status != Listing.Status.ON_SALE)
    return ([featured] if featured is not None else []) + rest


def _status_label(listing: Listing) -> str:
    if listing.status == Listing.Status.ENDED:
        return _("판매 종료")
    if listing.status == Listing.Status.SOLD_OUT:
        return _("품절")
    return ""


def build_preview(
    shop: Shop,
    listings: Sequence[Listing],
    featured: Listing | None = None,
    *,
    drawn_at=None,
    rating: str | None = None,
) -> og_image.Preview:
    """What the image shows, always in the site's default language (scrapers send none).
    The shop's image carries its reviews' "★4.8 (126)" (``rating``, read here unless the
    caller has it already); a listing's does not."""
    if featured is not None:
        rating = ""
    elif rating is None:
        rating = review_selectors.shop_summary(shop).stars
    ordered = _ordered(listings, featured)
    shown = ordered[:PREVIEW_ROWS]
    hidden = len(ordered) - len(shown)
    with translation.override(settings.LANGUAGE_CODE):
        moment = timezone.localtime(drawn_at) if drawn_at else timezone.localtime()
        return og_image.Preview(
            shop_name=shop.name,
            items=tuple(
                og_image.PreviewItem(
                    name=listing.name,
                    available=listing.available,
                    unit=listing.unit,
                    pickup_price=listing.pickup_price,
                    status_label=_status_label(listing),
                )
                for listing in shown
            ),
            badge=_("%(radius)s 픽업") % {"radius": radius_label(shop.service_radius_m)},
            brand=_("동네5km"),
            caption=_("%(when)s 기준") % {"when": date_format(moment, "n월 j일 H:i")},
            more_label=_("외 %(count)d개") % {"count": hidden} if hidden > 0 else "",
            empty_label=_("오늘 입고를 준비하고 있어요"),
            price_label=_("픽업가 {price}원"),
            featured=featured is not None,
            rating=rating,
        )


def image_path(
    shop: Shop, version: int, preview: og_image.Preview, listing: Listing | None = None
) -> str:
    kwargs: dict[str, Any] = {
        "slug": shop.slug,
        "version": version,
        "digest": preview.fingerprint(),
    }
    if listing is not None:
        return reverse("shops:listing_og_image", kwargs={**kwargs, "listing_id": listing.pk})
    return reverse("shops:og_image", kwargs=kwargs)


class RecentImages:
    """The images this process drew or fetched lately, least recently used dropped first."""

    def __init__(self) -> None:
        self._items: OrderedDict[str, bytes] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: str) -> bytes | None:
        with self._lock:
            png = self._items.get(key)
            if png is not None:
                self._items.move_to_end(key)
            return png

    def put(self, key: str, png: bytes) -> None:
        limit = settings.OG_IMAGE_MEMORY_BYTES
        with self._lock:
            if key in self._items or len(png) > limit:
                return
            self._items[key] = png
            self._bytes += len(png)
            while self._bytes > limit:
                _key, dropped = self._items.popitem(last=False)
                self._bytes -= len(dropped)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0

    @property
    def size_bytes(self) -> int:
        return self._bytes


recent_images = RecentImages()


def _shared_get(key: str) -> bytes | None:
    """The shared cache is an optimisation: if it is down, previews are drawn instead."""
    try:
        return cache.get(key)
    except Exception:
        logger.warning("Preview image cache unavailable for get", exc_info=True)
        return None


def _shared_set(key: str, png: bytes) -> None:
    try:
        cache.set(key, png, settings.OG_IMAGE_CACHE_SECONDS)
    except Exception:
        logger.warning("Preview image cache unavailable for set", exc_info=True)


def cached_png(slug: str, listing_id: int | None, version: int, digest: str) -> bytes | None:
    key = cache_key(slug, listing_id, version, digest)
    png = recent_images.get(key)
    if png is None:
        png = _shared_get(key)
        if png is not None:
            recent_images.put(key, png)
    return png


def current_image(shop: Shop, listing: Listing | None = None) -> PreviewImage:
    """The preview for the shop's current count: from the cache, or drawn once and cached."""
    version = stock_selectors.current_version(shop.pk) or 0
    listings = list(stock_selectors.active_listings(shop.pk))
    preview = build_preview(shop, listings, listing)
    digest = preview.fingerprint()
    key = cache_key(shop.slug, listing.pk if listing else None, version, digest)
    png = recent_images.get(key) or _shared_get(key)
    if png is None:
        png = og_image.render_preview_png(preview)
        _shared_set(key, png)
    recent_images.put(key, png)
    return PreviewImage(version=version, digest=digest, png=png)


# --- the text of the preview -------------------------------------------------------------


def _shorten(text: str, limit: int = DESCRIPTION_MAX_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _count_phrase(listing: Listing) -> str:
    if listing.status == Listing.Status.ENDED:
        return _("%(name)s 판매 종료") % {"name": listing.name}
    if listing.status == Listing.Status.SOLD_OUT:
        return _("%(name)s 품절") % {"name": listing.name}
    return _("%(name)s %(count)s%(unit)s") % {
        "name": listing.name,
        "count": f"{listing.available:,}",
        "unit": listing.unit,
    }


def _arrival_title(listing: Listing, shop: Shop) -> str:
    phrase = _count_phrase(listing)
    if listing.status == Listing.Status.ON_SALE:
        arrived_today = timezone.localdate(listing.arrived_at) == timezone.localdate()
        phrase = (_("%(phrase)s 오늘 입고") if arrived_today else _("%(phrase)s 입고")) % {
            "phrase": phrase
        }
    return f"{phrase} · {shop.name}"


def pickup_windows_text(shop: Shop) -> str:
    """Today's pickup windows, else the opening hours."""
    labels = reservation_selectors.today_window_labels(shop)
    if labels:
        return _("오늘 픽업 %(windows)s") % {"windows": ", ".join(labels)}
    if shop.opening_hours:
        return _("영업 %(hours)s") % {"hours": shop.opening_hours}
    return ""


def _area_text(shop: Shop) -> str:
    radius = radius_label(shop.service_radius_m)
    if shop.address:
        return _("%(address)s 반경 %(radius)s 픽업") % {"address": shop.address, "radius": radius}
    return _("반경 %(radius)s 픽업") % {"radius": radius}


def _discount_text(listings: Sequence[Listing]) -> str:
    on_sale = [item for item in listings if item.status == Listing.Status.ON_SALE]
    best = max((item.discount for item in on_sale), default=0)
    if best <= 0:
        return ""
    return _("픽업하면 최대 %(amount)s원 할인") % {"amount": f"{best:,}"}


def share_texts(
    shop: Shop, listings: Sequence[Listing], listing: Listing | None = None
) -> dict[str, str]:
    """``title`` and ``description`` for og:/twitter: tags (plain text; templates escape)."""
    with translation.override(settings.LANGUAGE_CODE):
        ordered = _ordered(listings, listing)
        if listing is not None:
            title = _arrival_title(listing, shop)
            parts = []
            if listing.status == Listing.Status.ON_SALE:
                if listing.discount > 0:
                    parts.append(
                        _("픽업가 %(price)s원 (%(discount)s원 할인)")
                        % {
                            "price": f"{listing.pickup_price:,}",
                            "discount": f"{listing.discount:,}",
                        }
                    )
                else:
                    parts.append(_("픽업가 %(price)s원") % {"price": f"{listing.pickup_price:,}"})
            if listing.staff_note:
                parts.append(listing.staff_note)
        else:
            title = _arrival_title(ordered[0], shop) if ordered else shop.name
            parts = [shop.notice, _discount_text(listings)]
            named = [_count_phrase(item) for item in ordered[:PREVIEW_ROWS]]
            if len(ordered) > PREVIEW_ROWS:
                named.append(_("외 %(count)d개") % {"count": len(ordered) - PREVIEW_ROWS})
            parts.append(", ".join(named))
        parts += [_area_text(shop), pickup_windows_text(shop)]
        description = " · ".join(part for part in parts if part)
    return {"title": _shorten(title, 120), "description": _shorten(description)}
