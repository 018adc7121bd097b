"""A refused reservation says why, next to the field it is about, announced, and the message
stays until the shopper changes that field: live count changes arriving meanwhile, or a
change to another field, do not wipe it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from pickup.models import Reservation
from tests import factories
from tests.support.axe import assert_no_violations
from tests.support.processes import http

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _counter_sale(live_url, shop, listing, n=1):
    """The owner's till sells n through the API, as a POS would."""
    token = factories.make_token(shop)
    url = f"{live_url}/api/shops/{shop.slug}/listings/{listing.pk}/stock"
    status, _headers, body = http(
        "POST", url, {"delta": -n}, headers={"Authorization": f"Bearer {token}"}
    )
    assert status == 200, body


def _fill(form, listing, counter, *, quantity="1", name="김동네", phone="010-1234-5678"):
    form.get_by_label("상품").select_option(str(listing.pk))
    form.get_by_label("픽업 장소 · 시간").select_option(str(counter.pk))
    form.get_by_label("수량").fill(quantity)
    form.get_by_label("받는 분 이름").fill(name)
    form.get_by_label("휴대폰 번호").fill(phone)
    form.locator("input[name=consent]").check()


def test_server_error_stays_next_to_its_field_until_that_field_changes(new_phone, live_url, shop):
    listing = factories.make_listing(shop, "단감", 20)
    other = factories.make_listing(shop, "사과", 30)
    counter = factories.shop_counter(shop)

    customer = new_phone("customer")
    page = customer.open_shop(shop.slug)
    customer.wait_live()
    form = page.locator("[data-reserve-form]")
    _fill(form, listing, counter, phone="010-12")
    form.get_by_role("button", name="예약하기").tap()

    phone_error = form.locator('[data-field-error="phone"]')
    expect(phone_error).to_be_visible()
    expect(phone_error).to_contain_text("휴대폰 번호를 확인해 주세요")
    expect(phone_error).to_have_attribute("role", "alert")
    expect(form.get_by_label("휴대폰 번호")).to_have_attribute("aria-invalid", "true")
    expect(form.get_by_label("휴대폰 번호")).to_have_attribute(
        "aria-describedby", "reserve-phone-error"
    )
    customer.screenshot("phone-error")

    # Live counts keep arriving (the old code cleared the message on every one of them).
    _counter_sale(live_url, shop, other, 3)
    expect(customer.count_of(other.pk)).to_have_text("27")
    _counter_sale(live_url, shop, listing)
    expect(customer.count_of(listing.pk)).to_have_text("19")
    # Another field changes: still there.
    form.get_by_label("받는 분 이름").fill("김이웃")
    expect(phone_error).to_be_visible()
    expect(phone_error).to_contain_text("휴대폰 번호를 확인해 주세요")

    # The shopper fixes the number: the message goes, and the reservation goes through.
    form.get_by_label("휴대폰 번호").fill("010-1234-5678")
    expect(phone_error).to_be_hidden()
    expect(form.get_by_label("휴대폰 번호")).not_to_have_attribute("aria-invalid", "true")
    form.get_by_role("button", name="예약하기").tap()
    page.wait_for_url(re.compile(r"/r/[A-Za-z0-9_-]+/$"))
    assert Reservation.objects.get().name == "김이웃"
    # The refused attempt is the only thing the console reports.
    assert [e for e in customer.errors if "status of 422" not in e] == []


def test_quantity_and_offline_errors_stay_visible(new_phone, live_url, shop):
    listing = factories.make_listing(shop, "단감", 20, max_per_customer=3)
    counter = factories.shop_counter(shop)

    customer = new_phone("customer")
    page = customer.open_shop(shop.slug)
    customer.wait_live()
    form = page.locator("[data-reserve-form]")
    # The shopper already holds 2 of "1인 최대 3"; 2 more is over the limit (server-side).
    _fill(form, listing, counter, quantity="2")
    form.get_by_role("button", name="예약하기").tap()
    page.wait_for_url(re.compile(r"/r/[A-Za-z0-9_-]+/$"))
    customer.open_shop(shop.slug)
    customer.wait_live()
    _fill(form, listing, counter, quantity="2")
    form.get_by_role("button", name="예약하기").tap()
    quantity_error = form.locator('[data-field-error="quantity"]')
    expect(quantity_error).to_be_visible()
    expect(quantity_error).to_contain_text("최대")
    _counter_sale(live_url, shop, listing)
    expect(customer.count_of(listing.pk)).to_have_text("17")
    expect(quantity_error).to_be_visible()
    form.get_by_label("수량").fill("1")
    expect(quantity_error).to_be_hidden()

    # Offline: a message about the whole form, above the button, until the form changes.
    customer.context.set_offline(True)
    form.get_by_role("button", name="예약하기").tap()
    general = form.locator("[data-reserve-error]")
    expect(general).to_contain_text("네트워크 연결을 확인해 주세요")
    expect(general).to_have_attribute("role", "alert")
    customer.screenshot("offline-error")
    customer.context.set_offline(False)
    expect(general).to_be_visible()
    form.get_by_label("받는 분 이름").fill("박이웃")
    expect(general).to_be_hidden()
    assert Reservation.objects.count() == 1


def test_without_javascript_the_error_shows_next_to_its_field(new_phone, shop):
    listing = factories.make_listing(shop, "소금빵", 10)
    counter = factories.shop_counter(shop)
    customer = new_phone("customer", javascript=False)
    page = customer.open_shop(shop.slug)
    form = page.locator("[data-reserve-form]")
    _fill(form, listing, counter, phone="12")
    form.get_by_role("button", name="예약하기").click()
    form = page.locator("[data-reserve-form]")
    expect(form.locator('[data-field-error="phone"]')).to_contain_text("휴대폰 번호를 확인해")
    expect(form.locator("[data-reserve-error]")).to_be_hidden()
    expect(form.get_by_label("휴대폰 번호")).to_have_attribute("aria-invalid", "true")
    customer.screenshot("nojs-phone-error")


def test_a_form_whose_cookie_is_gone_says_so_and_leads_back(new_phone, shop, owner_login):
    """An in-app browser that dropped its cookies (or a page left open for days) sends a form
    without a valid security token: a page in the site's language says nothing was saved and
    leads back to the page the form was on, which then works."""
    listing = factories.make_listing(shop, "단감", 20)
    counter = factories.shop_counter(shop)
    customer = new_phone("customer", javascript=False)  # the form posts to the page itself
    customer.open_shop(shop.slug)
    customer.context.clear_cookies()
    form = customer.page.locator("[data-reserve-form]")
    _fill(form, listing, counter)
    form.get_by_role("button", name="예약하기").tap()
    expect(customer.page.get_by_role("heading", name="보내지 못했습니다")).to_be_visible()
    expect(customer.page.get_by_text("아무것도 저장되거나 바뀌지 않았습니다")).to_be_visible()
    assert not Reservation.objects.exists()
    customer.page.get_by_role("link", name="이전 페이지 새로 열기").tap()
    expect(customer.page).to_have_url(re.compile(rf"/s/{shop.slug}/$"))
    customer.reserve(str(listing.pk), str(counter.pk), 1, "김동네", "010-1234-5678")
    expect(customer.reservation_status()).to_have_text("예약 확정")

    # The same page where scripts run (axe needs them): the owner's sign-in form.
    boss = new_phone("owner")
    boss.page.goto("/owner/login/")
    boss.context.clear_cookies()
    boss.page.get_by_label("아이디").fill(owner_login[0])
    boss.page.get_by_label("비밀번호").fill(owner_login[1])
    boss.page.get_by_role("button", name="로그인").tap()
    expect(boss.page.get_by_role("heading", name="보내지 못했습니다")).to_be_visible()
    boss.screenshot("csrf-failure")
    assert_no_violations(boss.page, "csrf-failure")
    boss.page.get_by_role("link", name="이전 페이지 새로 열기").tap()
    boss.log_in(*owner_login, f"/owner/s/{shop.slug}/")
    expect(boss.page).to_have_url(re.compile(rf"/owner/s/{shop.slug}/$"))
    for phone in (customer, boss):
        phone.errors = [e for e in phone.errors if "status of 403" not in e]
        phone.assert_healthy()
