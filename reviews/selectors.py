"""Reads of reviews shared by the API, the pages (storefront's shop and listing pages, the
reservation page, the owner console) and the admin."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Avg, Count, Q, QuerySet
from django.utils import timezone

from pickup.models import Reservation
from reviews import rules
from reviews.models import Review
from shops.models import Shop

RECENT = 20


@dataclass(frozen=True)
class Summary:
    count: int
    average: float | None
    photo_count: int = 0

    @property
    def stars(self) -> str:
        """ "★4.8 (126)", or "" with no review yet."""
        return rules.stars_label(self.average, self.count)


def _summary(queryset: QuerySet[Review]) -> Summary:
    row = queryset.public().aggregate(
        count=Count("id"), average=Avg("rating"), photos=Count("id", filter=~_no_photo())
    )
    average = round(float(row["average"]), 1) if row["average"] is not None else None
    return Summary(count=row["count"], average=average, photo_count=row["photos"])


def _no_photo() -> Q:
    return Q(photo="") | Q(photo__isnull=True)


def shop_summary(shop: Shop) -> Summary:
    return _summary(Review.objects.filter(shop_id=shop.pk))


def listing_summary(listing_id: int) -> Summary:
    return _summary(Review.objects.filter(listing_id=listing_id))


def shop_reviews(shop: Shop, *, photos_only: bool = False, limit: int = RECENT) -> list[Review]:
    """The shop's recent public reviews, newest first (with a photo only, if asked)."""
    reviews = Review.objects.public().filter(shop_id=shop.pk)
    if photos_only:
        reviews = reviews.exclude(_no_photo())
    return list(reviews.order_by("-created_at", "-id")[:limit])


def listing_reviews(listing_id: int, *, limit: int = RECENT) -> list[Review]:
    return list(
        Review.objects.public().filter(listing_id=listing_id).order_by("-created_at", "-id")[:limit]
    )


def review_of_reservation(reservation: Reservation) -> Review | None:
    return Review.objects.filter(reservation_id=reservation.pk).first()


def owner_reviews(shop: Shop, *, limit: int = 100) -> list[Review]:
    """Every review of the shop for its console, reported ones included, newest first."""
    return list(Review.objects.filter(shop_id=shop.pk).order_by("-created_at", "-id")[:limit])


def new_review_count(shop: Shop) -> int:
    return Review.objects.filter(shop_id=shop.pk, seen_by_owner_at__isnull=True).count()


def _local(value) -> str | None:
    return timezone.localtime(value).isoformat() if value else None


def review_payload(review: Review) -> dict[str, Any]:
    """A review as the API shows it: no phone, no name, no reservation."""
    return {
        "id": review.pk,
        "rating": review.rating,
        "text": review.text,
        "created_at": _local(review.created_at),
        "reply": review.reply_text or None,
        "replied_at": _local(review.replied_at),
        "updated_at": _local(review.updated_at),
        "nickname": review.nickname,
        "item_name": review.item_name,
        "listing_id": review.listing_id,
        "photo_url": review.photo.url if review.photo else None,
        "status": review.status,
    }


def shop_reviews_payload(shop: Shop, *, photos_only: bool = False) -> dict[str, Any]:
    summary = shop_summary(shop)
    return {
        "count": summary.count,
        "average": summary.average,
        "photo_count": summary.photo_count,
        "reviews": [review_payload(r) for r in shop_reviews(shop, photos_only=photos_only)],
    }
