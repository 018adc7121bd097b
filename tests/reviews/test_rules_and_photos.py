"""The plain modules: masked nicknames, the average, the star label and the stored photo."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from livestock import images
from reviews import rules
from tests.support import media
from tests.support.media import jpeg_with_exif


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("김동네", "김**"),
        ("이", "이**"),
        ("남궁민수아", "남***"),
        ("  Alex   Kim ", "A***"),
        ("01012345678", "손님"),
        ("+821012345678", "손님"),
        ("", "손님"),
    ],
)
def test_nickname_is_masked_and_never_a_phone(name, shown):
    assert rules.mask_nickname(name) == shown


def test_average_and_star_label():
    assert rules.average([]) is None
    assert rules.average([5, 4, 4]) == 4.3
    assert rules.stars_label(4.83, 126) == "★4.8 (126)"
    assert rules.stars_label(None, 0) == ""


def test_photo_is_turned_upright_resized_and_stripped_of_exif():
    original = jpeg_with_exif((2400, 1600), orientation=6)
    assert b"PhoneMaker" in original
    stored = images.prepare(io.BytesIO(original))
    with Image.open(io.BytesIO(stored)) as image:
        assert image.format == "JPEG"
        # Orientation 6 means "rotate to show": the stored copy is already portrait.
        assert image.size == (853, 1280)
        assert not image.getexif()
        assert "exif" not in image.info and "icc_profile" not in image.info
    assert b"PhoneMaker" not in stored and b"Exif" not in stored


def test_small_transparent_png_becomes_a_white_backed_jpeg():
    buffer = io.BytesIO()
    Image.new("RGBA", (40, 30), (0, 0, 0, 0)).save(buffer, format="PNG")
    stored = images.prepare(buffer)
    with Image.open(io.BytesIO(stored)) as image:
        assert image.size == (40, 30)
        assert image.getpixel((5, 5))[0] > 240


def test_plain_png_keeps_its_size():
    stored = images.prepare(io.BytesIO(media.png((40, 30))))
    with Image.open(io.BytesIO(stored)) as image:
        assert image.size == (40, 30)


@pytest.mark.parametrize(
    ("sent", "passed_on"),
    [
        ("4", 4),
        (" 5 ", 5),
        ("05", 5),
        ("4.5", "4.5"),
        ("", ""),
        (None, None),
        ("9" * 5000, "9" * 5000),
    ],
)
def test_form_rating_is_a_number_only_when_it_is_one(sent, passed_on):
    assert rules.form_rating(sent) == passed_on
