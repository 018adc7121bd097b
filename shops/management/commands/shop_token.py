from django.core.management.base import BaseCommand, CommandError

from shops.models import ApiToken, Shop


class Command(BaseCommand):
    help = "Create an API token for a shop. The token itself is the last line printed."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--name", default="integration")

    def handle(self, *args, slug: str, name: str, **options):
        shop = Shop.objects.filter(slug=slug).first()
        if shop is None:
            raise CommandError(f"No shop with slug {slug!r}.")
        _token, raw = ApiToken.issue(shop, name=name)
        self.stdout.write(f"API token for {shop.name} ({shop.slug}); it is shown only once:")
        self.stdout.write(raw)
