"""Listing photos fit for phones: a camera JPEG is kept as resized WebP and JPEG copies,
upright and without EXIF (no GPS position of the shop ever leaves it), and pages offer them
through ``srcset`` so a phone loads the copy that fits. Photos stored before the copies
existed keep showing.
"""

from __future__ import annotations

import io
import re

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from livestock import images, services
from livestock.models import Listing
from livestock.payloads import listing_payload
from shops.errors import InvalidInput
from tests.support.media import jpeg_with_exif, png

# --- the pure module ------------------------------------------------------------------------


def _opened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def _has_no_metadata(image: Image.Image) -> bool:
    return not image.getexif() and not any(
        key in image.info for key in ("exif", "xmp", "XML:com.adobe.xmp", "icc_profile", "comment")
    )


def test_a_camera_photo_becomes_upright_copies_at_each_width_without_exif():
    # 2400×1600 landscape pixels with "rotate 90°" in EXIF: a portrait photo, 1600×2400.
    copies = images.variants(io.BytesIO(jpeg_with_exif((2400, 1600), orientation=6)))
    assert [(c.width, c.ext) for c in copies] == [
        (320, "webp"),
        (320, "jpg"),
        (640, "webp"),
        (640, "jpg"),
        (1280, "webp"),
        (1280, "jpg"),
    ]
    for copy in copies:
        image = _opened(copy.data)
        assert image.format == {"webp": "WEBP", "jpg": "JPEG"}[copy.ext]
        assert image.size == (copy.width, copy.height)
        assert copy.height == copy.width * 3 // 2  # turned upright, aspect kept
        assert _has_no_metadata(image), copy
        assert b"Exif" not in copy.data and b"PhoneMaker" not in copy.data


def test_a_small_photo_is_never_enlarged_and_transparency_turns_white():
    copies = images.variants(io.BytesIO(png((40, 30))))
    assert [(c.width, c.height, c.ext) for c in copies] == [(40, 30, "webp"), (40, 30, "jpg")]
    rgba = Image.new("RGBA", (50, 50), (0, 0, 0, 0))
    out = io.BytesIO()
    rgba.save(out, format="PNG")
    jpg = [c for c in images.variants(out) if c.ext == "jpg"][0]
    assert _opened(jpg.data).convert("RGB").getpixel((25, 25)) == (255, 255, 255)


def test_a_panorama_is_bounded_by_height():
    copies = images.variants(io.BytesIO(jpeg_with_exif((400, 1600), orientation=1)))
    assert {(c.width, c.height) for c in copies} == {(160, 640), (320, 1280), (400, 1600)}


# --- stored through the service -------------------------------------------------------------


def _post(shop, photo: bytes, name: str = "IMG_0001.jpg") -> Listing:
    listing, _result = services.post_arrival(
        shop=shop,
        name="단감",
        unit="팩",
        available=10,
        price=9000,
        pickup_price=7900,
        photo=SimpleUploadedFile(name, photo, content_type="image/jpeg"),
    )
    listing.refresh_from_db()
    return listing


def test_every_stored_file_of_a_gps_tagged_phone_photo_is_free_of_exif(db, shop):
    listing = _post(shop, jpeg_with_exif((3000, 4000), orientation=6))
    stored = {v["name"] for v in listing.photo_variants}
    assert len(stored) == 6 and listing.photo.name in stored
    _dirs, files = default_storage.listdir(f"listings/{shop.pk}")
    # The upload itself is never kept: no file in the shop's folder carries its EXIF.
    assert stored <= {f"listings/{shop.pk}/{f}" for f in files}
    for f in files:
        with default_storage.open(f"listings/{shop.pk}/{f}") as fh:
            assert b"PhoneMaker" not in fh.read(), f
    for variant in listing.photo_variants:
        with default_storage.open(variant["name"]) as fh:
            data = fh.read()
        image = _opened(data)
        assert _has_no_metadata(image), variant["name"]
        assert b"PhoneMaker" not in data
        assert image.size == (variant["width"], variant["height"])
        assert image.width > image.height  # 3000×4000 turned 90° as EXIF said
    assert listing.photo.name.endswith("-1280.jpg")


def test_a_photo_that_passes_the_check_but_cannot_be_decoded_is_refused(db, shop):
    broken = jpeg_with_exif()[:2000]  # a header Pillow verifies, pixels cut off
    with pytest.raises(InvalidInput) as caught:
        _post(shop, broken)
    assert caught.value.code == "invalid_photo"
    assert not Listing.objects.exists()


def test_pages_offer_the_copies_through_srcset_with_width_and_height(db, shop):
    listing = _post(shop, jpeg_with_exif((2400, 1600), orientation=1))
    for url in (f"/s/{shop.slug}/", f"/s/{shop.slug}/l/{listing.pk}/"):
        page = Client().get(url).content.decode()
        picture = re.search(r"<picture>.*?</picture>", page, re.S)
        assert picture, url
        html = picture.group(0)
        webp = re.search(r'<source type="image/webp" srcset="([^"]+)" sizes="96px">', html)
        assert webp and [w for _u, w in re.findall(r"(\S+) (\d+)w", webp.group(1))] == [
            "320",
            "640",
            "1280",
        ]
        img = re.search(r"<img [^>]*>", html).group(0)
        assert 'width="320" height="213"' in img
        assert 'sizes="96px"' in img and "-320.jpg" in img and "1280w" in img
    for variant in listing.photo_variants:
        response = Client().get(default_storage.url(variant["name"]))
        assert response.status_code == 200
        assert (
            response["Content-Type"] == {"webp": "image/webp", "jpg": "image/jpeg"}[variant["ext"]]
        )


def test_the_live_payload_names_the_card_copy(db, shop):
    listing = _post(shop, jpeg_with_exif())
    payload = listing_payload(listing)
    assert payload["photo_card_url"].endswith("-320.jpg")
    assert payload["photo_url"].endswith("-1280.jpg")


def test_a_photo_stored_before_the_copies_existed_still_shows(db, shop, listing):
    name = default_storage.save(f"listings/{shop.pk}/old.png", ContentFile(png((60, 60))))
    Listing.objects.filter(pk=listing.pk).update(photo=name)
    listing.refresh_from_db()
    assert listing.photo_variants == [] and listing.photo_card is None
    assert listing_payload(listing)["photo_card_url"] is None
    page = Client().get(f"/s/{shop.slug}/").content.decode()
    assert "<picture>" not in page
    assert f'src="{listing.photo.url}"' in page
