"""Reserving from the items: each card's 예약하기 chooses that item in the form without a page
load, and an item the owner posts while the page is open arrives complete (photo, share link,
its own 예약하기, a place in the form) and can be reserved at once."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from livestock.models import Listing
from pickup.models import Reservation
from tests import factories
from tests.support.media import png
from tests.support.services import shared_redis_url

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def live_url(start_daphne) -> str:
    """The e2e server, serving uploads so the new card's photo really loads."""
    return start_daphne(shared_redis_url(), name="daphne-e2e", SERVE_MEDIA="1").url


def test_card_button_and_live_added_item_reserve(new_phone, shop, owner_login, tmp_path):
    first = factories.make_listing(shop, "단감", 10)
    factories.make_listing(shop, "사과", 10)
    counter = factories.shop_counter(shop)

    customer = new_phone("customer")
    page = customer.open_shop(shop.slug)
    customer.wait_live()
    page.evaluate("window.stillTheSamePage = true")
    card = page.locator(f'[data-listing-id="{first.pk}"]')
    card.get_by_role("link", name="예약하기 단감").tap()
    form = page.locator("[data-reserve-form]")
    expect(form.get_by_label("상품")).to_have_value(str(first.pk))
    expect(form.get_by_label("수량")).to_be_focused()
    customer.screenshot("card-button")

    photo = tmp_path / "hongsi.png"
    photo.write_bytes(png())
    boss = new_phone("owner")
    boss.log_in(*owner_login, f"/owner/s/{shop.slug}/listings/new/")
    boss.page.get_by_label("상품명").fill("홍시")
    boss.page.get_by_label("수량", exact=True).fill("8")
    boss.page.get_by_label("단위", exact=True).fill("개")
    boss.page.get_by_label("가격(원)", exact=True).fill("3000")
    boss.page.get_by_label("픽업 가격(원)").fill("2500")
    boss.page.get_by_label("사진").set_input_files(str(photo))
    boss.page.get_by_role("button", name="올리기").tap()
    expect(boss.page.get_by_text("홍시").first).to_be_visible()
    new = Listing.objects.get(name="홍시")

    row = page.locator(f'[data-listing-id="{new.pk}"]')
    expect(row.locator('[data-field="name"]')).to_have_text("홍시")
    image = row.locator('img[data-field="photo"]')
    expect(image).to_be_visible()
    expect(image).to_have_attribute("alt", "홍시")
    expect(image).to_have_attribute("src", re.compile(r"-\d+\.jpg$"))  # a resized copy
    assert page.evaluate("(img) => img.complete && img.naturalWidth > 0", image.element_handle()), (
        "the photo loads"
    )
    expect(row.get_by_role("link", name="이 상품 링크로 공유")).to_have_attribute(
        "href", f"/s/{shop.slug}/l/{new.pk}/"
    )
    row.get_by_role("link", name="예약하기 홍시").tap()
    expect(form.get_by_label("상품")).to_have_value(str(new.pk))
    customer.screenshot("live-added")
    form.get_by_label("픽업 장소 · 시간").select_option(str(counter.pk))
    form.get_by_label("수량").fill("2")
    form.get_by_label("받는 분 이름").fill("김동네")
    form.get_by_label("휴대폰 번호").fill("010-1234-5678")
    form.locator("input[name=consent]").check()
    form.get_by_role("button", name="예약하기").tap()
    page.wait_for_url(re.compile(r"/r/[A-Za-z0-9_-]+/$"))
    assert Reservation.objects.get().listing_id == new.pk
    customer.assert_healthy()
    boss.assert_healthy()


def test_item_page_reserves_in_place(new_phone, shop):
    listing = factories.make_listing(shop, "단감", 10)
    counter = factories.shop_counter(shop)
    customer = new_phone("customer")
    page = customer.page
    page.goto(f"/s/{shop.slug}/l/{listing.pk}/")
    page.get_by_role("link", name="예약하기 단감").tap()
    form = page.locator("[data-reserve-form]")
    expect(form.get_by_label("상품")).to_have_value(str(listing.pk))
    customer.screenshot("item-page")
    form.get_by_label("픽업 장소 · 시간").select_option(str(counter.pk))
    form.get_by_label("받는 분 이름").fill("김동네")
    form.get_by_label("휴대폰 번호").fill("010-1234-5678")
    form.locator("input[name=consent]").check()
    form.get_by_role("button", name="예약하기").tap()
    page.wait_for_url(re.compile(r"/r/[A-Za-z0-9_-]+/$"))
    assert Reservation.objects.get().listing_id == listing.pk
    customer.assert_healthy()
