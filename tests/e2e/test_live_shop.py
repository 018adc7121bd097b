"""A customer watches a shop page while the owner changes a count at the counter."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_owner_tap_updates_the_customer_page_without_reload(new_phone, shop, listing, owner_login):
    customer = new_phone("customer")
    customer.open_shop(shop.slug)
    expect(customer.page.get_by_role("heading", name=shop.name, exact=True)).to_be_visible()
    expect(customer.count_of(listing.pk)).to_have_text("200")
    expect(customer.sold_out_badge(listing.pk)).to_be_hidden()
    customer.wait_live()
    customer.page.evaluate("window.stillTheSamePage = true")
    customer.screenshot("before")

    boss = new_phone("owner")
    boss.log_in(*owner_login, f"/owner/s/{shop.slug}/")
    expect(boss.count_of(listing.pk)).to_have_text("200")
    boss.tap_stock_button(listing.pk, "10개 더하기")
    expect(boss.count_of(listing.pk)).to_have_text("210")
    boss.tap_stock_button(listing.pk, "1개 빼기")
    expect(boss.count_of(listing.pk)).to_have_text("209")
    boss.screenshot("after")

    expect(customer.count_of(listing.pk)).to_have_text("209")
    expect(customer.page.locator("[data-announcer]")).to_contain_text("209")
    expect(customer.sold_out_badge(listing.pk)).to_be_hidden()
    customer.screenshot("after")

    row = boss.page.locator(f'[data-listing-id="{listing.pk}"]')
    row.get_by_label("정확한 수량").fill("57")
    row.get_by_role("button", name="수량 맞추기").tap()
    expect(customer.count_of(listing.pk)).to_have_text("57")
    boss.tap_stock_button(listing.pk, "품절")
    expect(boss.count_of(listing.pk)).to_have_text("57")  # asks first: 40 → 0 is one tap away
    boss.tap_stock_button(listing.pk, "한 번 더 누르면 품절")
    expect(boss.count_of(listing.pk)).to_have_text("0")
    expect(customer.count_of(listing.pk)).to_have_text("0")
    expect(customer.sold_out_badge(listing.pk)).to_be_visible()
    assert customer.page.evaluate("window.stillTheSamePage") is True
    customer.screenshot("sold-out")
    customer.assert_healthy()
    boss.assert_healthy()


def test_shop_page_and_owner_buttons_work_without_javascript(new_phone, shop, listing, owner_login):
    customer = new_phone("customer", javascript=False)
    customer.open_shop(shop.slug)
    expect(customer.count_of(listing.pk)).to_have_text("200")
    expect(customer.page.get_by_text(shop.notice)).to_be_visible()
    customer.screenshot("before")

    boss = new_phone("owner", javascript=False)
    boss.log_in(*owner_login, f"/owner/s/{shop.slug}/")
    boss.tap_stock_button(listing.pk, "1개 빼기")
    boss.page.wait_for_load_state()
    expect(boss.count_of(listing.pk)).to_have_text("199")
    row = boss.page.locator(f'[data-listing-id="{listing.pk}"]')
    row.get_by_label("정확한 수량").fill("42")
    row.get_by_role("button", name="수량 맞추기").tap()
    expect(boss.count_of(listing.pk)).to_have_text("42")
    boss.screenshot("after")

    customer.page.reload()
    expect(customer.count_of(listing.pk)).to_have_text("42")
    customer.screenshot("after")
    customer.assert_healthy()
    boss.assert_healthy()


def test_near_me_page_fits_a_phone_without_errors(new_phone, shop, listing):
    customer = new_phone("customer")
    customer.page.goto("/")
    expect(customer.page.locator("main")).to_be_visible()
    customer.page.wait_for_load_state("networkidle")
    customer.screenshot("near-me")
    customer.assert_healthy()


def test_the_days_first_item_brings_the_reserve_form_without_reload(new_phone, shop, owner_login):
    """A shop with nothing on sale yet: the page says so where the form would be; the first
    item the owner posts while a shopper has the page open shows its card and the form."""
    shopper = new_phone("shopper")
    shopper.open_shop(shop.slug)
    shopper.wait_live()
    reserve = shopper.page.locator("[data-reserve]")
    expect(reserve.locator("[data-reserve-empty]")).to_be_visible()
    expect(reserve.locator("[data-reserve-form]")).to_be_hidden()
    shopper.page.evaluate("window.stillTheSamePage = true")

    boss = new_phone("owner")
    boss.log_in(*owner_login, f"/owner/s/{shop.slug}/")
    page = boss.page
    page.get_by_role("link", name="+ 입고 올리기").tap()
    page.get_by_label("상품명").fill("홍시")
    page.get_by_label("수량", exact=True).fill("30")
    page.get_by_label("단위", exact=True).fill("개")
    page.get_by_label("가격(원)", exact=True).fill("3000")
    page.get_by_label("픽업 가격(원)").fill("2500")
    page.get_by_role("button", name="올리기").tap()
    expect(page.get_by_text("'홍시' 입고를 올렸습니다.")).to_be_visible()

    card = shopper.page.locator("[data-listing-id]")
    expect(card.locator('[data-field="name"]')).to_have_text("홍시")
    expect(reserve.locator("[data-reserve-form]")).to_be_visible()
    expect(reserve.locator("[data-reserve-empty]")).to_be_hidden()
    expect(reserve.locator("#reserve-item")).to_contain_text("홍시")
    expect(reserve.locator("[data-reserve-total]")).to_contain_text("2,500")
    assert shopper.page.evaluate("window.stillTheSamePage") is True
    shopper.screenshot("first-item-live")
    shopper.assert_healthy()
    boss.assert_healthy()
