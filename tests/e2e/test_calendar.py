"""On phones: a customer reserves for tomorrow from the day chooser, the owner closes tomorrow
(the console shows how many reservations that cancels and asks), and the customer's page
then says the reservation was cancelled and why. axe-core checks every page visited."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from livestock.models import Listing
from pickup.models import Reservation
from shops.services import set_weekly_hours
from tests import factories
from tests.support.axe import assert_no_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ALL_DAY = {d: [["00:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


def assert_accessible(phone, javascript: bool) -> None:
    """axe-core on the whole page (only a phone with JavaScript can run it)."""
    if javascript:
        assert_no_violations(phone.page, phone.label)


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_reserve_for_tomorrow_then_the_owner_closes_tomorrow(
    new_phone, shop, owner_login, javascript
):
    set_weekly_hours(shop=shop, weekly=ALL_DAY)
    listing = factories.make_listing(shop, "소금빵", 10)
    counter = factories.shop_counter(shop)
    window = factories.make_window(counter, "10:00", "11:00", capacity=5)
    tomorrow = timezone.localdate() + timedelta(days=1)

    customer = new_phone("customer", javascript=javascript)
    customer.open_shop(shop.slug)
    expect(customer.page.locator("[data-open-status]")).to_contain_text("영업 중")
    day_group = customer.page.locator(f'optgroup[data-day="{tomorrow.isoformat()}"]')
    expect(day_group).to_have_count(1)
    assert_accessible(customer, javascript)
    customer.reserve(
        str(listing.pk),
        f"{counter.pk}:{window.pk}:{tomorrow.isoformat()}",
        2,
        "김동네",
        "010-1234-5678",
    )
    expect(customer.reservation_status()).to_have_text("예약 확정")
    reservation = Reservation.objects.get()
    assert reservation.date == tomorrow and reservation.window == window
    assert Listing.objects.get(pk=listing.pk).available == 8
    assert_accessible(customer, javascript)

    boss = new_phone("owner", javascript=javascript)
    boss.log_in(*owner_login, f"/owner/s/{shop.slug}/hours/")
    assert_accessible(boss, javascript)
    boss.page.get_by_label("날짜").fill(tomorrow.isoformat())
    boss.page.get_by_label("사유 (손님에게 보입니다, 선택)").fill("보일러 수리")
    boss.page.get_by_role("button", name="휴무일 추가").tap()
    expect(boss.page.get_by_text("예약 1건이 취소")).to_be_visible()
    assert_accessible(boss, javascript)
    boss.screenshot("confirm-closure")
    boss.page.get_by_role("button", name="휴무로 정하고 예약 1건 취소").tap()
    expect(boss.page.get_by_text("취소된 예약: 1건")).to_be_visible()
    boss.page.goto(f"/owner/s/{shop.slug}/reservations/?date={tomorrow.isoformat()}")
    expect(boss.page.locator(".resv-cancelled")).to_contain_text("보일러 수리")
    assert_accessible(boss, javascript)

    customer.page.reload()
    expect(customer.reservation_status()).to_have_text("취소됨")
    expect(customer.page.get_by_text("보일러 수리")).to_be_visible()
    assert Listing.objects.get(pk=listing.pk).available == 10
    assert_accessible(customer, javascript)
    customer.assert_healthy()
    boss.assert_healthy()
