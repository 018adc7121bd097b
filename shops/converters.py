"""Typed path converters for every URL that carries a shop slug, a secret token or a code.

Registered once (``register()``, called from each urls module and the websocket routing)
and used as ``<shop:slug>``, ``<token:token>``, ``<code:code>`` in Django routes,
``{shop:slug}``/``{token:token}`` in the API's and ``shop_path``/``token_path`` in the
websocket routes. A value outside the pattern (a NUL byte, a slash, anything too long) is a
plain 404 before any view, query or consumer sees it.
"""

from __future__ import annotations

from django.urls import register_converter
from django.urls.converters import get_converters

# Shop slugs are lower-case letters, digits and hyphens (shops.models.slug_validator); upper
# case and underscores still reach the view, which answers 404 the usual way.
SLUG_PATTERN = "[A-Za-z0-9_-]{1,50}"
# secrets.token_urlsafe() output (reservation links, café staff pages).
TOKEN_PATTERN = "[A-Za-z0-9_-]{1,64}"
# A pickup code as printed or typed (letters, digits, hyphens; pickup/codes.py normalizes).
CODE_PATTERN = "[A-Za-z0-9-]{1,40}"


class _StringConverter:
    regex = ""

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


class ShopSlugConverter(_StringConverter):
    regex = SLUG_PATTERN


class TokenConverter(_StringConverter):
    regex = TOKEN_PATTERN


class CodeConverter(_StringConverter):
    regex = CODE_PATTERN


CONVERTERS = {"shop": ShopSlugConverter, "token": TokenConverter, "code": CodeConverter}


def register() -> None:
    """Register the converters (idempotent: every urls module may call it)."""
    known = get_converters()
    for name, converter in CONVERTERS.items():
        if not isinstance(known.get(name), converter):
            register_converter(converter, name)


register()
