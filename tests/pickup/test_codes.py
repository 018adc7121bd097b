import random

import pytest

from pickup import codes
from pickup.minimap import minimap


def test_new_codes_use_only_unambiguous_characters():
    seen = {codes.new_code() for _ in range(2000)}
    assert len(seen) > 1990
    for code in seen:
        assert len(code) >= 6
        assert not set(code) & set("0O1IL")
        assert set(code) <= set(codes.CODE_ALPHABET)


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("abc234", "ABC234"),
        (" ABC 234 ", "ABC234"),
        ("abc-234", "ABC234"),
        ("ABC23", None),
        ("ABC2345", None),
        ("ABC10O", None),
        ("", None),
        (None, None),
        (123456, None),
    ],
)
def test_normalize_code(typed, expected):
    assert codes.normalize_code(typed) == expected


@pytest.mark.parametrize(
    "raw", ["010-1234-5678", "01012345678", "+82 10-1234-5678", "010 1234 5678", "+821012345678"]
)
def test_korean_mobile_numbers_normalize_to_e164(raw):
    assert codes.normalize_phone(raw) == "+821012345678"


@pytest.mark.parametrize(
    "raw",
    ["", "   ", "1234", "02-123-4567", "010-12-34", "abc", "010-1234-5678" * 3, None, 1012345678],
)
def test_invalid_or_landline_numbers_are_refused(raw):
    with pytest.raises(codes.InvalidPhone):
        codes.normalize_phone(raw)


def _by_phonenumbers(raw: str) -> str | None:
    try:
        return codes._parse_phone(raw, "KR")
    except codes.InvalidPhone:
        return None


def _by_normalize(raw: str) -> str | None:
    try:
        return codes.normalize_phone(raw)
    except codes.InvalidPhone:
        return None


def test_the_common_spellings_agree_with_phonenumbers_for_every_block():
    """The fast path for "010-XXXX-XXXX" / "010XXXXXXXX" (including the blocks phonenumbers
    refuses, such as 010-597X) answers exactly as phonenumbers does."""
    rnd = random.Random(19)
    codes._VALID_010_BLOCKS.clear()
    raws = []
    for block in range(10_000):
        for _ in range(2):
            rest = f"{rnd.randrange(10_000):04d}"
            raws.append(
                f"010-{block:04d}-{rest}" if rnd.random() < 0.5 else f"010{block:04d}{rest}"
            )
    raws += [f" 010-{rnd.randrange(10**4):04d}-{rnd.randrange(10**4):04d}\t" for _ in range(200)]
    for raw in raws:
        assert _by_normalize(raw) == _by_phonenumbers(raw), raw
    assert _by_normalize("010-5970-1234") is None  # a block phonenumbers refuses
    assert "5970" in codes._VALID_010_BLOCKS


@pytest.mark.parametrize(
    "raw",
    [
        "010-1234 5678",
        "010-12345678",
        "0101234-5678",
        "010-１２３４-５６７８",
        "010-123-4567",
        "011-123-4567",
        "016-1234-5678",
        "010.1234.5678",
        "(010) 1234-5678",
        "+82-10-1234-5678",
        "82 10 1234 5678",
        "010-0000-0000",
        "010-1234-56789",
        "0010-1234-5678",
    ],
)
def test_other_spellings_still_go_through_phonenumbers(raw):
    assert _by_normalize(raw) == _by_phonenumbers(raw)


def test_phone_is_masked_for_lists():
    assert codes.mask_phone("+821012345678") == "010-****-5678"
    assert codes.national_phone("+821012345678") == "010-1234-5678"
    assert codes.mask_phone("") == ""


def test_minimap_keeps_both_points_inside_the_frame():
    m = minimap(37.5559, 126.9019, 37.5627, 126.9255)
    assert m.place == (160, 80)
    x, y = m.shop
    assert 0 < x < m.width and 0 < y < m.height
    assert x > 160 and y < 80  # north-east of the café
    assert 2000 < m.distance_m < 2300
    assert minimap(37.5, 127.0).shop is None
