"""A phone loads the small copy of a listing photo, not the camera's 4-8 MB original."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import expect

from livestock import services
from tests.support.media import jpeg_with_exif
from tests.support.services import shared_redis_url

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def live_url(start_daphne) -> str:
    """Serving uploads from the folder this test's service call writes to."""
    return start_daphne(
        shared_redis_url(), name="daphne-e2e", SERVE_MEDIA="1", MEDIA_ROOT=str(settings.MEDIA_ROOT)
    ).url


def photographed(shop, size: tuple[int, int]):
    """단감 posted with a camera's photo of ``size``."""
    listing, _result = services.post_arrival(
        shop=shop,
        name="단감",
        unit="팩",
        available=20,
        price=9000,
        pickup_price=7900,
        photo=SimpleUploadedFile("IMG_0001.jpg", jpeg_with_exif(size, orientation=1)),
    )
    return listing


def test_the_shop_page_loads_the_card_copy_as_webp(new_phone, shop):
    listing = photographed(shop, (4000, 3000))
    phone = new_phone("customer")
    page = phone.page
    for shot, path in (("shop", f"/s/{shop.slug}/"), ("item", f"/s/{shop.slug}/l/{listing.pk}/")):
        page.goto(path)
        image = page.locator(f'[data-listing-id="{listing.pk}"] picture img')
        image.scroll_into_view_if_needed()
        page.wait_for_function(
            "(img) => img.complete && img.naturalWidth > 0", arg=image.element_handle()
        )
        loaded = image.evaluate("(img) => [img.currentSrc, img.naturalWidth, img.width]")
        assert loaded[0].endswith("-320.webp"), loaded  # WebP, the copy that fits 96 px
        assert loaded[1] > 0 and loaded[2] == 96  # natural width is density-corrected
        phone.screenshot(f"photo-{shot}")
    phone.assert_healthy()


def test_a_new_photo_shows_on_an_open_card_without_reload(new_phone, shop, owner_login, tmp_path):
    listing = photographed(shop, (1200, 900))
    shopper = new_phone("customer")
    shopper.open_shop(shop.slug)
    shopper.wait_live()
    card = shopper.page.locator(f'[data-listing-id="{listing.pk}"]')
    first = card.get_attribute("data-photo")
    assert first and first.endswith("-320.jpg"), first
    shopper.page.evaluate("window.stillTheSamePage = true")

    photo = tmp_path / "new.jpg"
    photo.write_bytes(jpeg_with_exif((1600, 1200), orientation=1))
    boss = new_phone("owner")
    boss.log_in(*owner_login, f"/owner/s/{shop.slug}/listings/{listing.pk}/edit/")
    boss.page.get_by_label("사진 바꾸기").set_input_files(str(photo))
    boss.page.get_by_role("button", name="저장").tap()
    expect(boss.page.get_by_text("'단감' 내용을 고쳤습니다.")).to_be_visible()

    listing.refresh_from_db()
    fresh = listing.photo_card["url"]
    assert fresh != first
    expect(card).to_have_attribute("data-photo", fresh)
    image = card.locator('img[data-field="photo"]')
    expect(image).to_have_attribute("src", fresh)
    expect(image).to_have_attribute("alt", "단감")
    image.scroll_into_view_if_needed()
    shopper.page.wait_for_function(
        "(img) => img.complete && img.naturalWidth > 0", arg=image.element_handle()
    )
    assert card.locator("picture").count() == 0  # the old copy is gone, not beside it
    assert shopper.page.evaluate("window.stillTheSamePage") is True
    shopper.assert_healthy()
    boss.assert_healthy()
