""" "1인 최대 N팩" on a phone: shown next to the item, and a refused reservation says why,
with JavaScript (the API's Korean sentence stays next to the quantity) and without (the form
page, same place)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from livestock.models import Listing
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_a_second_reservation_past_the_limit_is_refused_with_the_reason(
    new_phone, shop, javascript
):
    listing = factories.make_listing(shop, "단감", 50, max_per_customer=3)
    counter = factories.shop_counter(shop)

    customer = new_phone("customer", javascript=javascript)
    customer.open_shop(shop.slug)
    row = customer.page.locator(f'[data-listing-id="{listing.pk}"]')
    expect(row.locator('[data-field="limit"]')).to_have_text("1인 최대 3팩")
    customer.reserve(str(listing.pk), str(counter.pk), 2, "김동네", "010-1234-5678")

    customer.open_shop(shop.slug)  # same phone (device cookie), a different number
    form = customer.page.locator("[data-reserve-form]")
    form.get_by_label("상품").select_option(str(listing.pk))
    form.get_by_label("픽업 장소 · 시간").select_option(str(counter.pk))
    form.get_by_label("수량").fill("2")
    form.get_by_label("받는 분 이름").fill("김동네")
    form.get_by_label("휴대폰 번호").fill("010-2222-3333")
    form.locator("input[name=consent]").check()
    form.get_by_role("button", name="예약하기").tap()
    # About the quantity: shown next to that field.
    error = customer.page.locator('[data-field-error="quantity"]')
    expect(error).to_contain_text("1인 최대 3팩")
    expect(error).to_contain_text("이미 2팩")
    customer.screenshot("limit-refused")
    assert Listing.objects.get(pk=listing.pk).available == 48
    # The refusal itself is the one expected console line (a 409 response).
    assert all("409 (Conflict)" in line for line in customer.errors), customer.errors
    customer.errors.clear()
    customer.assert_healthy()
