"""A review end to end on a phone: the owner hands the order over, the customer reviews it
with a photo, the owner replies, and the shop page shows both, with axe-core finding no
violation on any page on the way."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from reviews.models import Review
from tests import factories
from tests.support.axe import assert_no_violations
from tests.support.media import jpeg_with_exif
from tests.support.services import shared_redis_url

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def live_url(start_daphne) -> str:
    """The e2e server, serving the uploaded review photo itself (as nginx would)."""
    return start_daphne(shared_redis_url(), name="daphne-reviews", SERVE_MEDIA="1").url


def test_pick_up_review_with_photo_and_see_it_with_the_reply(
    new_phone, shop, owner_login, tmp_path
):
    listing = factories.make_listing(shop, "단감", 20)
    counter = factories.shop_counter(shop)
    reservation = factories.make_reservation(shop, listing, counter, name="김동네")

    boss = new_phone("owner")
    boss.log_in(*owner_login, f"/owner/s/{shop.slug}/redeem/{reservation.code}/")
    expect(boss.page).to_have_url(re.compile(f"/redeem/{reservation.code}/$"))
    boss.page.get_by_role("button", name="건네주고 수령 완료").tap()
    expect(boss.page.get_by_text("수령 완료.")).to_be_visible()

    customer = new_phone("customer")
    customer.page.goto(f"/r/{reservation.token}/")
    expect(customer.reservation_status()).to_have_text("수령 완료")
    form = customer.page.locator("[data-review-form]")
    expect(form).to_be_visible()
    assert_no_violations(customer.page, "reservation page with the review form")
    form.get_by_label("★ 5점").check()
    form.get_by_label("짧은 후기 (선택)").fill("아삭하고 달아요. <b>또</b> 살게요!")
    photo = tmp_path / "IMG_0042.jpg"
    photo.write_bytes(jpeg_with_exif())
    form.get_by_label("사진 한 장 (선택, JPG·PNG·WebP)").set_input_files(str(photo))
    form.get_by_role("button", name="리뷰 올리기").tap()
    expect(customer.page.get_by_text("리뷰를 올렸습니다")).to_be_visible()
    expect(customer.page.get_by_role("heading", name="내가 쓴 리뷰")).to_be_visible()
    expect(customer.page.locator(".review-photo")).to_be_visible()
    customer.screenshot("reviewed")
    assert_no_violations(customer.page, "reservation page with the review")
    review = Review.objects.get()
    assert review.photo.name.endswith(".jpg") and review.nickname == "김**"

    boss.page.goto(f"/owner/s/{shop.slug}/")
    expect(boss.page.get_by_role("link", name=re.compile("리뷰"))).to_contain_text("새 리뷰 1")
    boss.page.get_by_role("link", name=re.compile("리뷰")).tap()
    expect(boss.page.get_by_text("솔직한 나쁜 리뷰도 지우지 않습니다", exact=False)).to_be_visible()
    assert_no_violations(boss.page, "owner reviews")
    boss.page.get_by_label("답글 쓰기").fill("감사합니다! 내일은 대봉도 들어와요.")
    boss.page.get_by_role("button", name="답글 올리기").tap()
    expect(boss.page.get_by_text("답글을 올렸습니다")).to_be_visible()
    assert_no_violations(boss.page, "owner reviews after the reply")

    customer.open_shop(shop.slug)
    expect(customer.page.locator(".review-summary")).to_contain_text("별점 5.0 · 리뷰 1개")
    reviews = customer.page.locator("#reviews")
    expect(reviews).to_contain_text("아삭하고 달아요. <b>또</b> 살게요!")
    expect(reviews).to_contain_text("사장님 답글")
    expect(reviews).to_contain_text("감사합니다! 내일은 대봉도 들어와요.")
    image = reviews.locator("img.review-photo")
    # Lazy: Chromium loads it once the reader scrolls near it (how near depends on the
    # connection it measures), so the customer scrolls down to the reviews first.
    image.scroll_into_view_if_needed()
    expect(image).to_be_visible()
    # Stored upright (the camera's EXIF said "turn it") and resized to 1280 px.
    size = image.evaluate("img => img.complete && [img.naturalWidth, img.naturalHeight]")
    assert size == [853, 1280]
    customer.screenshot("shop-page")
    assert_no_violations(customer.page, "shop page with reviews")

    reviews.get_by_role("link", name="사진 리뷰 (1)").tap()
    expect(customer.page).to_have_url(re.compile(r"\?reviews=photo#reviews$"))
    expect(customer.page.locator("#reviews img.review-photo")).to_be_visible()
    assert_no_violations(customer.page, "photo reviews")
    for phone in (customer, boss):
        phone.assert_healthy()
