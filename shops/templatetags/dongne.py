from django import template
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def won(value) -> str:
    """12000 → "12,000원"."""
    try:
        amount = int(value)
    except (TypeError, ValueError):
        return ""
    return _("%(amount)s원") % {"amount": f"{amount:,}"}
