"""Destructive taps ask once more, in place: the button itself becomes the confirmation for a
few seconds, a second tap does it, and left alone it goes back without doing anything."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from livestock.models import Listing
from pickup.models import PickupWindow
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sold_out_and_end_ask_once_more(new_phone, shop, owner_login):
    listing = factories.make_listing(shop, "단감", 40)
    boss = new_phone("owner")
    boss.log_in(*owner_login, f"/owner/s/{shop.slug}/")
    row = boss.page.locator(f'[data-listing-id="{listing.pk}"]')
    row.get_by_role("button", name="품절", exact=True).tap()
    armed = row.get_by_role("button", name="한 번 더 누르면 품절")
    expect(armed).to_be_visible()
    boss.screenshot("armed")
    # Left alone, it goes back and nothing happened.
    expect(row.get_by_role("button", name="품절", exact=True)).to_be_visible(timeout=8000)
    assert Listing.objects.get(pk=listing.pk).available == 40
    row.get_by_role("button", name="품절", exact=True).tap()
    row.get_by_role("button", name="한 번 더 누르면 품절").tap()
    expect(boss.count_of(listing.pk)).to_have_text("0")

    row.get_by_role("button", name="판매 종료").tap()
    assert Listing.objects.get(pk=listing.pk).is_active
    row.get_by_role("button", name="한 번 더 누르면 판매 종료").tap()
    expect(boss.page.get_by_text("판매를 종료했습니다")).to_be_visible()
    assert not Listing.objects.get(pk=listing.pk).is_active
    boss.assert_healthy()


def test_removing_a_window_asks_and_its_button_sits_on_its_row(new_phone, shop, owner_login):
    cafe = factories.make_cafe(shop, "카페 한강뷰")
    window = factories.make_window(cafe, "12:00", "14:00")
    factories.make_window(cafe, "17:00", "19:00")
    boss = new_phone("owner")
    boss.log_in(*owner_login, f"/owner/s/{shop.slug}/reservations/")
    row = boss.page.locator(".window-row", has_text="12:00")
    button = row.get_by_role("button", name="내리기")
    label_box, button_box = row.locator("span").first.bounding_box(), button.bounding_box()
    assert button_box["y"] < label_box["y"] + label_box["height"] + 44  # same row, not the next
    button.tap()
    row.get_by_role("button", name="한 번 더 누르면 내리기").tap()
    expect(boss.page.locator(".window-row", has_text="12:00")).to_have_count(0)
    assert not PickupWindow.objects.filter(pk=window.pk, is_active=True).exists()
    boss.assert_healthy()
