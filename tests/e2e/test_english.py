"""English in a real browser: the footer's language switcher, the page scripts' own messages
(reserve.js, reservation.js) and a live status change sent by an owner working in Korean."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_english_customer_reserves_and_sees_live_status_in_english(new_phone, shop, owner_login):
    listing = factories.make_listing(shop, "단감", 5)
    counter = factories.shop_counter(shop)

    customer = new_phone("customer")
    page = customer.open_shop(shop.slug)
    page.locator("#lang-select").select_option("en")
    page.get_by_role("button", name="변경").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    customer.wait_live()

    form = page.locator("[data-reserve-form]")
    form.get_by_label("Quantity", exact=True).fill("2")
    expect(form.locator("[data-reserve-stock]")).to_have_text("Available to reserve now: 5팩")
    expect(form.locator("[data-reserve-total]")).to_have_text(
        "Estimated total ₩15,800 (pickup price, pay at pickup)"
    )
    form.get_by_label("Quantity", exact=True).fill("6")
    expect(form.locator("[data-reserve-error]")).to_have_text(
        "Only 5팩 left now. Please lower the quantity."
    )
    customer.screenshot("form-en")

    form.get_by_label("Item").select_option(str(listing.pk))
    form.get_by_label("Pickup place · time").select_option(str(counter.pk))
    form.get_by_label("Quantity", exact=True).fill("2")
    form.get_by_label("Name for pickup").fill("Kim")
    form.get_by_label("Mobile number").fill("010-1234-5678")
    form.locator("input[name=consent]").check()
    form.get_by_role("button", name="Reserve").tap()
    page.wait_for_url(re.compile(r"/r/[A-Za-z0-9_-]+/$"))
    expect(customer.reservation_status()).to_have_text("Confirmed")
    expect(page.locator("[data-status-help]")).to_contain_text("getting your order ready")

    # The owner works in Korean; the broadcast carries a Korean label, the page stays English.
    boss = new_phone("owner")
    boss.log_in(*owner_login, f"/owner/s/{shop.slug}/reservations/")
    boss.page.get_by_role("button", name="준비 완료").tap()
    expect(boss.page.get_by_text("준비 완료로 알렸습니다")).to_be_visible()

    expect(customer.reservation_status()).to_have_text("Ready")
    expect(page.locator("[data-status-help]")).to_have_text(
        "It's ready! Show your pickup code at the pickup spot."
    )
    customer.screenshot("ready-en")
    for phone in (customer, boss):
        phone.assert_healthy()
