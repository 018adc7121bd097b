"""``manage.py refresh_listing_photos [--shop <slug>] [--dry-run]``: listing photos stored
before resized copies existed (as uploaded, EXIF and GPS included) become the copies every
new photo gets (livestock/images.py); the originals are deleted. Safe to run again: a photo
with copies is left alone."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from livestock import services
from livestock.models import Listing
from shops.errors import DomainError
from shops.models import Shop

ACTOR = services.Actor(label="refresh_listing_photos")


class Command(BaseCommand):
    help = "Re-process listing photos that have no resized copies: strip EXIF, make the copies."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--shop", metavar="SLUG", help="only this shop's listings")
        parser.add_argument(
            "--dry-run", action="store_true", help="list the photos, change nothing"
        )

    def handle(self, *args, shop: str | None = None, dry_run: bool = False, **options) -> None:
        listings = Listing.objects.exclude(photo="").select_related("shop").order_by("pk")
        if shop is not None:
            if not Shop.objects.filter(slug=shop).exists():
                raise CommandError(f"no shop {shop!r}")
            listings = listings.filter(shop__slug=shop)
        refreshed = failed = 0
        for listing in listings.iterator():
            if listing.photo_variants:
                continue
            label = f"{listing.shop.slug} #{listing.pk} {listing.photo.name}"
            if dry_run:
                self.stdout.write(f"would refresh {label}")
                refreshed += 1
                continue
            try:
                result = services.refresh_old_photo(
                    shop=listing.shop, listing_id=listing.pk, actor=ACTOR
                )
            except DomainError as error:
                failed += 1
                self.stderr.write(f"skipped {label}: {error.detail}")
                continue
            if result is not None:
                refreshed += 1
                self.stdout.write(f"refreshed {label}")
        verb = "to refresh" if dry_run else "refreshed"
        self.stdout.write(f"{refreshed} photos {verb}, {failed} skipped")
        if failed:
            raise CommandError(f"{failed} photos could not be refreshed")
