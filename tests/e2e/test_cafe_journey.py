"""Café staff from invitation to handover: the owner opens the café's staff link page in the
console, the café's phone opens the link, a customer reserves for pickup at the café, and the
staff scan the customer's QR (its address, as a camera app opens it) to land on their own
page with the order first and hand it over; the customer's page says so live."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from pickup.models import Reservation
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_owner_invites_cafe_staff_who_hand_over_by_qr(new_phone, shop, owner_login):
    listing = factories.make_listing(shop, "단감", 10)
    cafe = factories.make_cafe(shop, "카페 한강뷰")
    factories.make_window(cafe, "00:00", "23:59")

    boss = new_phone("owner")
    boss.log_in(*owner_login, f"/owner/s/{shop.slug}/")
    boss.page.get_by_role("link", name="카페 직원 링크").tap()
    link = boss.page.get_by_role("textbox", name="직원 링크").input_value()
    assert re.search(r"/cafe/[A-Za-z0-9_-]+/$", link)
    expect(boss.page.get_by_role("img", name="카페 한강뷰 직원 링크 QR")).to_be_visible()
    boss.screenshot("cafe-links")

    staff = new_phone("cafe")
    staff.page.goto(link)
    expect(staff.page.get_by_role("heading", level=1)).to_contain_text("카페 한강뷰")
    staff.screenshot("cafe-page")

    customer = new_phone("customer")
    page = customer.open_shop(shop.slug)
    slot = page.locator("#reserve-slot option", has_text="카페 한강뷰").first.get_attribute("value")
    customer.reserve(str(listing.pk), slot, 2, "김동네", "010-1234-5678")
    reservation = Reservation.objects.get()
    assert reservation.pickup_point_id == cafe.pk

    # The camera app opens the QR's address on the staff phone.
    staff.page.goto(f"/h/{shop.slug}/{reservation.code}/")
    expect(staff.page).to_have_url(re.compile(rf"/cafe/[^/]+/\?code={reservation.code}$"))
    found = staff.page.get_by_role("region", name="이 주문을 전달하세요")
    expect(found).to_contain_text("단감 × 2")
    staff.screenshot("scanned")
    found.get_by_role("button", name="전달 완료").tap()
    expect(staff.page.get_by_text("전달 완료: 단감")).to_be_visible()

    expect(customer.reservation_status()).to_have_text("수령 완료")
    customer.screenshot("handed-over")

    # The owner renews the link: the old one stops working on the café's phone.
    boss.page.get_by_role("button", name="새 링크 만들기 (예전 링크 끊김)").tap()
    expect(boss.page.get_by_text("새로 만들었습니다")).to_be_visible()
    assert boss.page.get_by_role("textbox", name="직원 링크").input_value() != link
    response = staff.page.goto(link)
    assert response.status == 404
    for phone in (boss, customer):
        phone.assert_healthy()
    staff.errors = [e for e in staff.errors if "404" not in e]
    staff.assert_healthy()
