from django import template
from django.utils.translation import gettext as _

from shops import feedback, maplinks, units

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


@register.inclusion_tag("_directions.html")
def directions(name, lat, lng):
    """길찾기: Naver Map and Kakao Map, for a shop or a pickup place."""
    if lat is None or lng is None:
        return {"links": None}
    return {
        "name": name,
        "links": {
            "naver": maplinks.naver_directions(name, float(lat), float(lng)),
            "kakao": maplinks.kakao_directions(name, float(lat), float(lng)),
        },
    }


@register.filter
def tel_href(phone) -> str:
    return maplinks.tel_href(phone)


@register.filter
def page_messages(messages) -> list:
    """The messages about the whole page; those tied to one form show next to it."""
    return [message for message in messages if not feedback.form_of(message)]


@register.simple_tag
def form_message(messages, *parts) -> str:
    """The sentence a refused post left for this form (``{% form_message messages "x" as e %}``)."""
    name = feedback.for_form(*parts).removeprefix(feedback.PREFIX)
    return next((str(m) for m in messages if feedback.form_of(m) == name), "")
