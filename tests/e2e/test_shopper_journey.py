"""The shopper's whole journey on a 390×844 phone in Korean: a shared item link, the shop
page, a reservation refused once for a wrong number and then made, the pickup code, finding
it again at /my/, and the owner's ready and handover arriving live on the customer's page.
Every page on the way is screenshotted and checked with axe-core."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from livestock.models import Listing
from livestock.services import OptionSpec
from pickup.models import Reservation
from tests import factories
from tests.support.journey import Journey

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_shopper_from_a_shared_link_to_picked_up(new_phone, shop, owner_login):
    listing = factories.make_listing(
        shop,
        "단감",
        40,
        unit="반팩",
        price=5000,
        pickup_price=4200,
        options=[OptionSpec("1팩", 2, 9000, 7900), OptionSpec("반팩", 1, 5000, 4200)],
    )
    whole_pack = listing.options.get(label="1팩")
    cafe = factories.make_cafe(shop, "카페 한강뷰")
    factories.make_window(cafe, "00:00", "23:59")
    walk = Journey("shopper")

    customer = walk.watch(new_phone("customer"))
    page = customer.page
    page.goto(f"/s/{shop.slug}/l/{listing.pk}/")
    expect(page.locator(f'[data-listing-id="{listing.pk}"] [data-field="name"]')).to_have_text(
        "단감"
    )
    walk.step(customer, "shared-item-link")

    page.get_by_role("link", name=f"{shop.name}의 오늘 입고 모두 보기").tap()
    page.wait_for_url(re.compile(rf"/s/{shop.slug}/$"))
    customer.wait_live()
    walk.step(customer, "shop-page")

    page.locator(f'[data-listing-id="{listing.pk}"]').get_by_role(
        "link", name="예약하기 단감"
    ).tap()
    form = page.locator("[data-reserve-form]")
    expect(form.get_by_label("수량")).to_be_focused()
    form.get_by_label("상품").select_option(f"{listing.pk}:{whole_pack.pk}")
    slot = form.locator("#reserve-slot option:not([disabled])", has_text="카페 한강뷰").first
    form.get_by_label("픽업 장소 · 시간").select_option(slot.get_attribute("value"))
    form.get_by_label("수량").fill("2")
    form.get_by_label("받는 분 이름").fill("김동네")
    form.get_by_label("휴대폰 번호").fill("010-12")
    form.locator("input[name=consent]").check()
    expect(form.locator("[data-reserve-total]")).to_contain_text("15,800원")
    walk.step(customer, "form-filled")

    form.get_by_role("button", name="예약하기").tap()
    phone_error = form.locator('[data-field-error="phone"]')
    expect(phone_error).to_contain_text("휴대폰 번호를 확인해 주세요")
    expect(phone_error).to_have_attribute("role", "alert")
    expect(form.get_by_label("휴대폰 번호")).to_have_attribute("aria-invalid", "true")
    walk.step(customer, "phone-error")
    assert not Reservation.objects.exists()

    form.get_by_label("휴대폰 번호").fill("010-1234-5678")
    expect(phone_error).to_be_hidden()
    form.get_by_role("button", name="예약하기").tap()
    page.wait_for_url(re.compile(r"/r/[A-Za-z0-9_-]+/$"))
    reservation = Reservation.objects.get()
    assert (reservation.option_id, reservation.quantity) == (whole_pack.pk, 2)
    assert Listing.objects.get(pk=listing.pk).available == 36
    code_display = f"{reservation.code[:3]} {reservation.code[3:]}"
    expect(page.get_by_role("heading", name="수령 코드")).to_be_visible()
    expect(page.locator("[data-code-display]")).to_have_text(code_display)
    expect(customer.reservation_status()).to_have_text("예약 확정")
    walk.step(customer, "reserved-with-code")
    reservation_url = page.url

    # Another visit finds the open reservation by its code and the number's last 4 digits.
    page.goto("/my/")
    walk.step(customer, "find-reservation")
    page.get_by_label("수령 코드").fill(reservation.code.lower())
    page.get_by_label("휴대폰 번호 또는 끝 4자리").fill("5678")
    page.get_by_role("button", name="찾기").tap()
    page.wait_for_url(reservation_url)
    expect(page.locator("[data-code-display]")).to_have_text(code_display)
    walk.step(customer, "found-again")

    boss = walk.watch(new_phone("owner"))
    boss.page.goto(f"/owner/login/?next=/owner/s/{shop.slug}/reservations/")
    walk.step(boss, "owner-login")
    boss.log_in(*owner_login, f"/owner/s/{shop.slug}/reservations/")
    order = boss.page.locator(f'[data-reservation-id="{reservation.pk}"]')
    expect(order).to_contain_text("단감 (1팩) × 2")
    walk.step(boss, "owner-reservations")
    order.get_by_role("button", name="준비 완료").tap()
    expect(boss.page.get_by_text("준비 완료로 알렸습니다")).to_be_visible()
    walk.step(boss, "owner-marked-ready")

    expect(customer.reservation_status()).to_have_text("준비 완료")
    expect(page.locator("[data-status-help]")).to_contain_text("준비되었습니다")
    walk.step(customer, "ready-live")

    boss.page.locator(f'[data-reservation-id="{reservation.pk}"]').get_by_role(
        "button", name="수령 완료"
    ).tap()
    expect(boss.page.get_by_text(f"{code_display} (김동네) 수령 완료.")).to_be_visible()
    walk.step(boss, "owner-handed-over")

    expect(customer.reservation_status()).to_have_text("수령 완료")
    expect(page.locator("[data-code-display]")).to_be_hidden()
    expect(page.get_by_text("결제 금액")).to_be_visible()
    expect(page.get_by_role("link", name=f"{shop.name}의 오늘 입고 모두 보기")).to_be_visible()
    walk.step(customer, "picked-up-live")
    assert Reservation.objects.get().status == Reservation.Status.PICKED_UP

    walk.assert_all_checked()
    # The one refused attempt is the only thing the console reports.
    customer.errors = [e for e in customer.errors if "status of 422" not in e]
    for phone in (customer, boss):
        phone.assert_healthy()
