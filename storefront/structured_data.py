"""schema.org JSON-LD for the shop page: the shop as a LocalBusiness with its
AggregateRating and a few recent reviews, for search engines' rich results.

Everything in it is text people typed (shop name, review text, nicknames), so the script
element is written with ``<``, ``>`` and ``&`` escaped as JSON ``\\u`` sequences: a review
saying ``</script><script>…`` stays a string inside the JSON and never closes the element.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from reviews.models import Review
from reviews.selectors import Summary
from shops.models import Shop

_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}
REVIEWS_IN_JSON_LD = 5


def shop_json_ld(
    shop: Shop, url: str, summary: Summary, reviews: Sequence[Review]
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "LocalBusiness",
        "name": shop.name,
        "url": url,
        "geo": {"@type": "GeoCoordinates", "latitude": shop.lat, "longitude": shop.lng},
    }
    if shop.address:
        data["address"] = shop.address
    if shop.phone:
        data["telephone"] = shop.phone
    if summary.count and summary.average is not None:
        data["aggregateRating"] = {
            "@type": "AggregateRating",
            "ratingValue": summary.average,
            "reviewCount": summary.count,
            "bestRating": 5,
            "worstRating": 1,
        }
        data["review"] = [
            {
                "@type": "Review",
                "author": {"@type": "Person", "name": review.nickname},
                "datePublished": timezone.localtime(review.created_at).date().isoformat(),
                "reviewRating": {"@type": "Rating", "ratingValue": review.rating},
                "reviewBody": review.text,
            }
            for review in reviews[:REVIEWS_IN_JSON_LD]
        ]
    return data


def json_ld_script(data: dict[str, Any]) -> SafeString:
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":")).translate(_ESCAPES)
    return mark_safe(f'<script type="application/ld+json">{text}</script>')  # noqa: S308
