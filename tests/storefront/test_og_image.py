"""The preview and poster drawing, tested directly: no Django, no database."""

from __future__ import annotations

import io
import re
from pathlib import Path

import segno
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from storefront import og_image
from storefront.og_image import Preview, PreviewItem

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
W, H = og_image.PREVIEW_WIDTH, og_image.PREVIEW_HEIGHT


def demo_preview(**changes) -> Preview:
    fields = {
        "shop_name": "망원 과일가게",
        "items": (
            PreviewItem("단감", 200, "팩", 7900),
            PreviewItem("샤인머스캣", 40, "송이", 13000),
            PreviewItem("제주 감귤 3kg", 0, "박스", 15900, status_label="품절"),
        ),
        "caption": "11월 22일 10:42 기준",
        "more_label": "외 2개",
    }
    fields.update(changes)
    return Preview(**fields)


def open_png(data: bytes) -> Image.Image:
    assert data.startswith(PNG_SIGNATURE)
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG"
    return image.convert("RGB")


def count_pixels(image: Image.Image, box: tuple[int, int, int, int], predicate) -> int:
    raw = image.convert("RGB").crop(box).tobytes()
    return sum(1 for i in range(0, len(raw), 3) if predicate(tuple(raw[i : i + 3])))


def is_white(pixel) -> bool:
    return all(channel >= 245 for channel in pixel)


def is_dark(pixel) -> bool:
    return sum(pixel) < 200


def near(color):
    return lambda pixel: all(abs(a - b) <= 30 for a, b in zip(pixel, color, strict=True))


def test_fonts_are_bundled_with_their_licence():
    repo_shops = Path(og_image.__file__).resolve().parent
    for path in (og_image.REGULAR_FONT, og_image.BOLD_FONT):
        assert path.is_file()
        assert path.parent == repo_shops / "fonts"
    licence = (repo_shops / "fonts" / "OFL.txt").read_text()
    assert "SIL OPEN FONT LICENSE" in licence and "NAVER" in licence


def test_preview_is_an_800x400_png():
    image = open_png(og_image.render_preview_png(demo_preview()))
    assert image.size == (800, 400)


def test_text_areas_are_drawn():
    image = open_png(og_image.render_preview_png(demo_preview()))
    title_area = (og_image.PAD, 20, 420, og_image.HEADER_HEIGHT - 20)
    assert count_pixels(image, title_area, is_white) > 1500, "shop name in white on orange"
    assert count_pixels(image, (620, 20, 770, og_image.HEADER_HEIGHT - 20), is_white) > 2000, (
        "badge"
    )
    for row in range(3):
        top = og_image.ROW_TOP + row * og_image.ROW_HEIGHT
        name_area = (og_image.PAD, top + 8, 300, top + og_image.ROW_HEIGHT - 8)
        count_area = (
            W - og_image.PAD - 200,
            top + 8,
            W - og_image.PAD,
            top + og_image.ROW_HEIGHT - 8,
        )
        assert count_pixels(image, name_area, lambda p: sum(p) < 500) > 150, f"name of row {row}"
        colour = og_image.DANGER if row == 2 else og_image.ACCENT_DARK
        assert count_pixels(image, count_area, near(colour)) > 150, f"count of row {row}"
    footer = (0, og_image.FOOTER_TOP + 4, W, H - 4)
    assert count_pixels(image, footer, near(og_image.ACCENT)) > 100, "brand"
    assert count_pixels(image, footer, lambda p: sum(p) < 450) > 100, "caption"


def test_the_count_is_what_is_drawn():
    """A different count changes exactly the count column of its row, nothing else."""
    before = open_png(og_image.render_preview_png(demo_preview()))
    items = (PreviewItem("단감", 197, "팩", 7900),) + demo_preview().items[1:]
    after = open_png(og_image.render_preview_png(demo_preview(items=items)))
    top = og_image.ROW_TOP
    count_area = (W - og_image.PAD - og_image.COUNT_COLUMN, top, W, top + og_image.ROW_HEIGHT)
    assert before.crop(count_area).tobytes() != after.crop(count_area).tobytes()
    below = (0, top + og_image.ROW_HEIGHT, W, H)
    assert before.crop(below).tobytes() == after.crop(below).tobytes()


def test_hangul_is_drawn_with_real_glyphs():
    assert og_image.has_glyph("단") and og_image.has_glyph("감") and og_image.has_glyph("A")
    assert not og_image.has_glyph("\U0001f34a")  # 🍊: not in the font, so it is left out
    box = og_image.font(40, bold=True).getmask("\uffff")
    for ch in "망원과일가게품절팩":
        assert bytes(og_image.font(40, bold=True).getmask(ch)) != bytes(box)


def test_clean_text_drops_what_cannot_be_drawn():
    assert og_image.clean_text("  단감\n\t200팩  ") == "단감 200팩"
    assert og_image.clean_text("귤\u200b\x00\x07🍊 3kg") == "귤 3kg"
    # Conjoining jamo are composed into the syllable the font has.
    assert og_image.clean_text("\u1100\u1161\u11a8") == "각"
    assert len(og_image.clean_text("가" * 10_000)) == og_image.MAX_INPUT_CHARS


def test_long_names_shrink_first_then_end_with_an_ellipsis():
    text, face = og_image.fit_text("망원 과일가게", 500, 54, 28, bold=True)
    assert text == "망원 과일가게" and face.size == 54

    medium = "우리 동네 유기농 과일과 채소 가게"
    text, face = og_image.fit_text(medium, 500, 54, 28, bold=True)
    assert text == medium and 28 <= face.size < 54
    assert face.getlength(text) <= 500

    long = "아주 긴 이름의 우리 동네 최고의 유기농 과일과 채소를 파는 가게 망원 본점"
    text, face = og_image.fit_text(long, 500, 54, 28, bold=True)
    assert text.endswith(og_image.ELLIPSIS) and long.startswith(text[:-1])
    assert face.size == 28 and face.getlength(text) <= 500


@settings(max_examples=150, deadline=None)
@given(
    text=st.text(max_size=400),
    max_width=st.integers(min_value=0, max_value=800),
    bold=st.booleans(),
)
def test_fitted_text_never_overflows(text, max_width, bold):
    cleaned = og_image.clean_text(text)
    fitted, face = og_image.fit_text(cleaned, max_width, 40, 16, bold=bold)
    assert face.getlength(fitted) <= max_width
    assert cleaned.startswith(fitted.removesuffix(og_image.ELLIPSIS).rstrip()) or not fitted


def _margins_are_clear(image: Image.Image) -> None:
    """Nothing is drawn in the side margins: no text ran past its box."""
    right = W - og_image.PAD + 20
    for box in [
        (0, og_image.ROW_TOP, og_image.PAD - 20, og_image.FOOTER_TOP),
        (right, og_image.ROW_TOP, W, og_image.FOOTER_TOP),
    ]:
        assert count_pixels(image, box, lambda p: not is_white(p)) == 0, box
    header_right = (W - og_image.PAD + 1, 0, W, og_image.HEADER_HEIGHT)
    assert count_pixels(image, header_right, lambda p: not near(og_image.ACCENT)(p)) == 0


def test_huge_and_odd_names_stay_inside_the_image():
    odd = Preview(
        shop_name="<script>alert('x')</script> 아주아주아주 긴 이름의 동네 가게 " * 40,
        items=(
            PreviewItem(
                "엄청나게 긴 상품 이름 " * 200, 1_000_000, "팩팩팩팩팩팩팩팩팩팩팩팩", 99_999_999
            ),
            PreviewItem("\x00\u200b🍊🍊\u202e", 3, "\n"),
            PreviewItem(
                "WWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWW",
                12,
                "kg",
                1,
                status_label="판매 종료 " * 30,
            ),
        ),
        badge="5km 픽업 " * 20,
        caption="캡션 " * 100,
        more_label="외 123456789개",
        featured=True,
    )
    image = open_png(og_image.render_preview_png(odd))
    assert image.size == (800, 400)
    _margins_are_clear(image)


def test_demo_preview_margins_are_clear_too():
    _margins_are_clear(open_png(og_image.render_preview_png(demo_preview(featured=True))))


def test_a_shop_with_nothing_today_still_gets_a_preview():
    image = open_png(og_image.render_preview_png(Preview(shop_name="연남 동네빵집")))
    body = (og_image.PAD, og_image.ROW_TOP, W - og_image.PAD, og_image.FOOTER_TOP)
    assert count_pixels(image, body, lambda p: sum(p) < 500) > 200, "the empty-day message"


def test_fingerprint_ignores_the_caption_but_not_the_content():
    base = demo_preview()
    assert base.fingerprint() == demo_preview(caption="11월 23일 09:00 기준").fingerprint()
    assert base.fingerprint() != demo_preview(shop_name="망원 과일가게 2호점").fingerprint()
    items = (PreviewItem("단감", 199, "팩", 7900),) + base.items[1:]
    assert base.fingerprint() != demo_preview(items=items).fingerprint()
    assert re.fullmatch(r"[0-9a-f]{12}", base.fingerprint())


def test_qr_image_matches_the_encoded_url():
    url = "https://dongne5km.kr/s/mangwon-fruit/?ref=qr"
    image = og_image.qr_image(url, 600)
    matrix = segno.make(url, error="q", micro=False, boost_error=False).matrix
    modules = len(matrix) + 8
    scale = image.width // modules
    assert image.width == image.height == modules * scale
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            pixel = image.getpixel(((x + 4) * scale + scale // 2, (y + 4) * scale + scale // 2))
            assert (pixel == 0) == bool(dark)


def test_poster_is_a5_with_the_qr_code():
    url = "https://dongne5km.kr/s/mangwon-fruit/?ref=qr"
    data = og_image.render_poster("망원 과일가게", url, display_url="dongne5km.kr/s/mangwon-fruit/")
    poster = Image.open(io.BytesIO(data))
    assert poster.format == "PNG" and poster.size == (1748, 2480)
    assert round(poster.info["dpi"][0]) == 300  # 1748 x 2480 px at 300 dpi = 148 x 210 mm
    qr = og_image.qr_image(url, og_image.POSTER_QR_SIZE).convert("RGB")
    left = og_image.POSTER_WIDTH // 2 - qr.width // 2
    placed = poster.convert("RGB").crop(
        (left, og_image.POSTER_QR_TOP, left + qr.width, og_image.POSTER_QR_TOP + qr.height)
    )
    assert placed.tobytes() == qr.tobytes()
    headline = poster.convert("RGB").crop((130, 100, 1618, 280))
    assert count_pixels(headline, (0, 0, headline.width, headline.height), is_white) > 10_000


def test_poster_as_pdf_is_one_a5_page():
    data = og_image.render_poster("망원 과일가게", "https://dongne5km.kr/s/x/?ref=qr", fmt="pdf")
    assert data.startswith(b"%PDF-")
    width, height = map(float, re.search(rb"MediaBox \[ 0 0 ([\d.]+) ([\d.]+) \]", data).groups())
    assert abs(width - 419.53) < 1 and abs(height - 595.28) < 1  # A5 in points
