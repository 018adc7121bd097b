"""Roll up past days of one shop again: ``manage.py rebuild_rollups <slug> <from> <to>``."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from insights import selectors, services
from shops.errors import InvalidInput
from shops.models import Shop


class Command(BaseCommand):
    help = "Rebuild the daily rollups of one shop for the finished days from..to (YYYY-MM-DD)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("slug")
        parser.add_argument("from_date", metavar="from")
        parser.add_argument("to_date", metavar="to")

    def handle(self, *args, slug: str, from_date: str, to_date: str, **options) -> None:
        shop = Shop.objects.filter(slug=slug).first()
        if shop is None:
            raise CommandError(f"no shop {slug!r}")
        try:
            first, last = selectors.parse_range(from_date, to_date)
        except InvalidInput as error:
            raise CommandError(error.detail) from None
        written = services.rebuild_days(shop=shop, first=first, last=last)
        self.stdout.write(f"{written} days rolled up")
