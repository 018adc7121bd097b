"""A phone loads the small copy of a listing photo, not the camera's 4-8 MB original."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

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


def test_the_shop_page_loads_the_card_copy_as_webp(new_phone, shop):
    listing, _result = services.post_arrival(
        shop=shop,
        name="단감",
        unit="팩",
        available=20,
        price=9000,
        pickup_price=7900,
        photo=SimpleUploadedFile("IMG_0001.jpg", jpeg_with_exif((4000, 3000), orientation=1)),
    )
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
