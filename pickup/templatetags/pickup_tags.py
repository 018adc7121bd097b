import json

from django import template

from pickup.codes import format_code, mask_phone
from pickup.views import reserve_form_context

register = template.Library()


@register.inclusion_tag("pickup/_reserve_form.html", takes_context=True)
def reserve_form(context, shop):
    """The reserve form on the shop page (a normal POST form; reserve.js enhances it)."""
    return reserve_form_context(shop, context["request"])


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
