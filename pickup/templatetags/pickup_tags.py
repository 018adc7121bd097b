import json

from django import template

from pickup.codes import format_code, mask_phone, national_phone
from pickup.views import reserve_form_context

register = template.Library()


@register.inclusion_tag("pickup/_reserve_form.html", takes_context=True)
def reserve_form(context, shop, listing=None):
    """The reserve form on the shop and item pages (a normal POST form; reserve.js enhances
    it), with that item chosen: the item page's, or ``?item=<id>`` from a card's 예약하기."""
    request = context["request"]
    wanted = str(listing.pk) if listing is not None else request.GET.get("item", "")[:40]
    return reserve_form_context(shop, request, values={"item": wanted} if wanted else None)


@register.filter
def as_json(value) -> str:
    """For a data- attribute (autoescaping turns the quotes into entities the browser reads)."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


@register.filter
def masked_phone(value: str) -> str:
    """ "+821012345678" → "010-****-5678"."""
    return mask_phone(value or "")


@register.filter
def code_display(value: str) -> str:
    return format_code(value or "")


@register.filter
def callable_phone(reservation, today) -> str:
    """The full national number for the owner's call button, or "" when only the masked
    one may be shown (not today, no longer open, or erased after retention)."""
    if today is None or not reservation.owner_may_call(today):
        return ""
    return national_phone(reservation.phone)
