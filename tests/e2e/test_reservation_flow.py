"""Reserving for pickup, end to end: the count drops on another customer's phone, the
customer gets a code and QR, the owner marks the order ready and the customer's page says so."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from livestock.models import Listing
from pickup.models import Reservation
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_reserve_count_drops_elsewhere_code_qr_and_ready_live(new_phone, shop, owner_login):
    listing = factories.make_listing(shop, "단감", 5)
    counter = factories.shop_counter(shop)  # open all day, no windows: any time today

    neighbour = new_phone("neighbour")
    neighbour.open_shop(shop.slug)
    neighbour.wait_live()
    neighbour.page.locator("[data-reserve-form]").get_by_label("수량").fill("4")

    customer = new_phone("customer")
    customer.open_shop(shop.slug)
    customer.wait_live()
    expect(customer.page.locator("[data-reserve-form]")).to_contain_text("7,900원")
    customer.screenshot("form")
    customer.reserve(str(listing.pk), str(counter.pk), 2, "김동네", "010-1234-5678")

    # The other phone's count dropped at once, and its form says 4 no longer fit.
    expect(neighbour.count_of(listing.pk)).to_have_text("3")
    expect(neighbour.page.locator("[data-reserve-error]")).to_contain_text("지금 3팩만 남았습니다")
    expect(neighbour.page.get_by_role("button", name="예약하기")).to_be_disabled()
    neighbour.screenshot("count-dropped")

    reservation = Reservation.objects.get()
    assert Listing.objects.get(pk=listing.pk).available == 3
    expect(customer.page.locator("[data-code-display]")).to_have_text(
        f"{reservation.code[:3]} {reservation.code[3:]}"
    )
    expect(customer.page.locator(".qr svg")).to_be_visible()
    expect(customer.reservation_status()).to_have_text("예약 확정")
    assert reservation.token in customer.page.evaluate(
        "localStorage.getItem('dongne5km:reservations')"
    )
    customer.screenshot("reserved")

    boss = new_phone("owner")
    boss.log_in(*owner_login, f"/owner/s/{shop.slug}/reservations/")
    expect(boss.page.locator(".prep-list")).to_contain_text("단감")
    # Today's open reservation: the owner sees the whole number with a call button.
    expect(boss.page.locator("[data-full-phone]")).to_have_text("010-1234-5678")
    expect(boss.page.locator('a[href^="tel:"]')).to_be_visible()
    boss.page.get_by_role("button", name="준비 완료").tap()
    expect(boss.page.get_by_text("준비 완료로 알렸습니다")).to_be_visible()
    boss.screenshot("ready")

    expect(customer.reservation_status()).to_have_text("준비 완료")
    expect(customer.page.locator("[data-status-help]")).to_contain_text("준비되었습니다")
    customer.screenshot("ready")

    # The customer cancels after all: the stock is back on the other phone.
    # Destructive: the first tap asks, the second cancels.
    customer.page.get_by_role("button", name="예약 취소").tap()
    customer.page.get_by_role("button", name="한 번 더 누르면 예약 취소").tap()
    expect(neighbour.count_of(listing.pk)).to_have_text("5")
    expect(customer.reservation_status()).to_have_text("취소됨")
    for phone in (customer, neighbour, boss):
        phone.assert_healthy()


def test_reserve_and_hand_over_without_javascript(new_phone, shop, owner_login):
    listing = factories.make_listing(shop, "소금빵", 10)
    counter = factories.shop_counter(shop)

    customer = new_phone("customer", javascript=False)
    customer.open_shop(shop.slug)
    customer.reserve(str(listing.pk), str(counter.pk), 3, "박이웃", "01098765432")
    expect(customer.reservation_status()).to_have_text("예약 확정")
    code = Reservation.objects.get().code
    assert Listing.objects.get(pk=listing.pk).available == 7

    boss = new_phone("owner", javascript=False)
    boss.log_in(*owner_login, f"/owner/s/{shop.slug}/redeem/{code}/")
    expect(boss.page).to_have_url(re.compile(f"/redeem/{code}/$"))
    boss.page.get_by_role("button", name="건네주고 수령 완료").tap()
    expect(boss.page.get_by_text("수령 완료.")).to_be_visible()

    customer.page.reload()
    expect(customer.reservation_status()).to_have_text("수령 완료")
    customer.assert_healthy()
    boss.assert_healthy()
