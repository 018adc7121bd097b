"""The reservation page follows its status live: once the order is handed over (or cancelled
by the shop) the code and QR, the amount due and the cancel button go, and the page says what
is true now and offers the way back to the shop."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from pickup.models import Reservation
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _owner(new_phone, owner_login, shop):
    boss = new_phone("owner")
    boss.log_in(*owner_login, f"/owner/s/{shop.slug}/reservations/")
    return boss


@pytest.mark.parametrize("language", ["ko", "en"])
def test_page_turns_into_a_receipt_when_picked_up(new_phone, owner_login, shop, language):
    listing = factories.make_listing(shop, "단감", 5)
    counter = factories.shop_counter(shop)
    customer = new_phone("customer")
    page = customer.open_shop(shop.slug)
    if language == "en":
        page.locator("#lang-select").select_option("en")
        page.get_by_role("button", name="변경").click()
        expect(page.locator("html")).to_have_attribute("lang", "en")
        form = page.locator("[data-reserve-form]")
        form.get_by_label("Item").select_option(str(listing.pk))
        form.get_by_label("Pickup place · time").select_option(str(counter.pk))
        form.get_by_label("Quantity", exact=True).fill("1")
        form.get_by_label("Name for pickup").fill("Kim")
        form.get_by_label("Mobile number").fill("010-1234-5678")
        form.locator("input[name=consent]").check()
        form.get_by_role("button", name="Reserve").tap()
        page.wait_for_url("**/r/*/")
    else:
        customer.reserve(str(listing.pk), str(counter.pk), 1, "김동네", "010-1234-5678")
    qr = page.locator(".qr svg")
    expect(qr).to_be_visible()
    cancel = page.locator("[data-cancel-form]")
    expect(cancel).to_be_visible()
    back = page.get_by_role("link", name=f"{shop.name}")
    reservation = Reservation.objects.get()

    boss = _owner(new_phone, owner_login, shop)
    boss.page.get_by_label("수령 코드").fill(reservation.code)
    boss.page.locator("#pickup-title + form").get_by_role("button", name="수령 완료").tap()
    done = {"ko": "수령 완료", "en": "Picked up"}[language]
    expect(customer.reservation_status()).to_have_text(done)
    expect(qr).to_be_hidden()
    expect(cancel).to_be_hidden()
    thanks = {"ko": "이용해 주셔서 고맙습니다", "en": "Thank you for shopping with us"}[language]
    expect(page.locator("[data-status-help]")).to_contain_text(thanks)
    due = {"ko": "결제 예정", "en": "To pay"}[language]
    expect(page.get_by_text(due, exact=True)).to_be_hidden()
    expect(page.locator(".status-line")).not_to_contain_text("Picked up Picked up")
    expect(back.last).to_be_visible()
    customer.screenshot(f"picked-up-{language}")
    customer.assert_healthy()


def test_shop_cancelling_takes_the_code_away(new_phone, owner_login, shop):
    listing = factories.make_listing(shop, "단감", 5)
    counter = factories.shop_counter(shop)
    customer = new_phone("customer")
    page = customer.open_shop(shop.slug)
    customer.reserve(str(listing.pk), str(counter.pk), 1, "김동네", "010-1234-5678")
    expect(page.locator(".qr svg")).to_be_visible()
    boss = _owner(new_phone, owner_login, shop)
    row = boss.page.locator(f'[data-reservation-id="{Reservation.objects.get().pk}"]')
    row.get_by_label("취소 사유").fill("재고 착오")
    row.get_by_role("button", name="예약 취소").tap()
    row.get_by_role("button", name="한 번 더 누르면 예약 취소").tap()
    expect(customer.reservation_status()).to_have_text("취소됨")
    expect(page.locator(".qr svg")).to_be_hidden()
    expect(page.locator("[data-status-help]")).to_contain_text("다시 예약해 주세요")
    expect(page.locator("[data-cancel-form]")).to_be_hidden()
    customer.screenshot("cancelled-by-shop")
    customer.assert_healthy()
