"""Counts in the unit the customer buys, on a live page: each option's count on the card and
the reserve form's "지금 … 예약 가능" follow the live count; no struck price without discount."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from livestock.services import OptionSpec
from tests import factories
from tests.support.processes import http

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_option_counts_follow_the_live_count(new_phone, live_url, shop):
    listing = factories.make_listing(
        shop,
        "단감",
        199,
        unit="반팩",
        price=5000,
        pickup_price=4200,
        options=[OptionSpec("1팩", 2, 9000, 7900), OptionSpec("반팩", 1, 5000, 4200)],
    )
    plain = factories.make_listing(shop, "삼겹살", 50, unit="500g", price=2000, pickup_price=2000)
    factories.shop_counter(shop)
    customer = new_phone("customer")
    page = customer.open_shop(shop.slug)
    customer.wait_live()
    card = page.locator(f'[data-listing-id="{listing.pk}"]')
    whole = card.locator('[data-option-units="2"] [data-option-left]')
    expect(whole).to_have_text("99개 남음")
    form = page.locator("[data-reserve-form]")
    form.get_by_label("상품").select_option(f"{listing.pk}:{listing.options.get(units=2).pk}")
    expect(form.locator("[data-reserve-stock]")).to_have_text("지금 1팩 99개 예약 가능")
    form.get_by_label("상품").select_option(str(plain.pk))
    expect(form.locator("[data-reserve-stock]")).to_have_text("지금 50 × 500g 예약 가능")
    pork = page.locator(f'[data-listing-id="{plain.pk}"]')
    expect(pork.locator('[data-field="price"]')).to_be_hidden()
    expect(pork.locator('[data-field="unit"]')).to_have_text(" × 500g")

    token = factories.make_token(shop)
    url = f"{live_url}/api/shops/{shop.slug}/listings/{listing.pk}/stock"
    status, _h, body = http(
        "POST", url, {"delta": -9}, headers={"Authorization": f"Bearer {token}"}
    )
    assert status == 200, body
    expect(customer.count_of(listing.pk)).to_have_text("190")
    expect(whole).to_have_text("95개 남음")
    expect(card.locator('[data-option-units="1"] [data-option-left]')).to_have_text("190개 남음")
    form.get_by_label("상품").select_option(f"{listing.pk}:{listing.options.get(units=2).pk}")
    expect(form.locator("[data-reserve-stock]")).to_have_text("지금 1팩 95개 예약 가능")
    customer.screenshot("option-counts")
    customer.assert_healthy()
