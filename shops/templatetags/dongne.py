from django import template
from django.utils.translation import gettext as _

from shops import units

register = template.Library()


@register.filter
def won(value) -> str:
    """12000 → "12,000원"."""
    try:
        amount = int(value)
    except (TypeError, ValueError):
        return ""
    return _("%(amount)s원") % {"amount": f"{amount:,}"}


@register.filter
def unit_text(unit) -> str:
    """What follows a count: "팩", or " × 500g" for a unit that starts with a digit."""
    return units.unit_text(unit)


@register.filter
def count_in(available, per) -> int:
    """How many of an option (taking ``per`` base units each) the count still holds."""
    try:
        return max(0, int(available) // max(1, int(per)))
    except (TypeError, ValueError):
        return 0


@register.filter
def discounted(listing_or_option) -> bool:
    return units.has_discount(listing_or_option.price, listing_or_option.pickup_price)
