"""Counts read in the unit the customer buys, number and unit kept apart, and a regular price
struck through only for a real discount (shops/units.py and the pages that use it)."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from livestock.services import OptionSpec
from shops import units
from tests import factories


@pytest.mark.parametrize(
    ("count", "unit", "expected"),
    [
        (198, "팩", "198팩"),
        (50, "500g", "50 × 500g"),
        (3, "1kg 박스", "3 × 1kg 박스"),
        (7, " 송이 ", "7송이"),
        (0, "", "0"),
        (4, None, "4"),
    ],
)
def test_count_text_keeps_number_and_unit_apart(count, unit, expected):
    assert units.count_text(count, unit) == expected


@pytest.mark.parametrize(
    ("price", "pickup", "expected"),
    [
        (2000, 2000, False),
        (9000, 7900, True),
        (1000, 1200, False),
        (None, 100, False),
        ("x", 1, False),
    ],
)
def test_discount_only_when_the_pickup_price_is_lower(price, pickup, expected):
    assert units.has_discount(price, pickup) is expected


def _card(html: str, listing_id: int) -> str:
    start = html.index(f'data-listing-id="{listing_id}"')
    return html[start : html.index("</li>\n", html.index("listing-body", start))]


@pytest.mark.django_db
def test_shop_page_shows_option_counts_in_the_unit_bought(shop):
    persimmon = factories.make_listing(
        shop,
        "단감",
        199,
        unit="반팩",
        price=5000,
        pickup_price=4200,
        options=[OptionSpec("1팩", 2, 9000, 7900), OptionSpec("반팩", 1, 5000, 4200)],
    )
    pork = factories.make_listing(shop, "삼겹살", 50, unit="500g", price=2000, pickup_price=2000)
    factories.shop_counter(shop)
    html = Client().get(f"/s/{shop.slug}/").content.decode()

    card = _card(html, persimmon.pk)
    assert re.search(
        r'data-option-units="2">1팩 · 7,900원 · <span data-option-left>99개 남음', card
    )
    assert re.search(
        r'data-option-units="1">반팩 · 4,200원 · <span data-option-left>199개 남음', card
    )
    assert '<span class="price-regular" data-field="price">5,000원</span>' in card

    card = _card(html, pork.pk)
    assert (
        '<strong data-field="available">50</strong><span data-field="unit"> × 500g</span>' in card
    )
    # No discount: the regular price is not shown struck through next to the same price.
    assert '<span class="price-regular" data-field="price" hidden>' in card
    assert "1인 최대 10 × 500g" in card

    # The reserve form counts an option's limit in options, not in base units.
    assert re.search(r"단감 · 1팩 — 7,900원 · 1인 최대 5개", html)
    assert re.search(r"단감 · 반팩 — 4,200원 · 1인 최대 10개", html)
    assert 'data-option="1팩"' in html and 'data-option=""' in html
