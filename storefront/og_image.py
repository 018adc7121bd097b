"""Drawing the link preview (og:image) and the counter QR poster. Plain Pillow, no Django.

Text comes from shop owners and may be anything: very long, emoji, control characters,
markup. Every string is cleaned (characters the bundled font cannot draw are dropped) and
fitted into its box by shrinking, then ending with "…", so nothing is ever drawn outside
the image or over another element.
"""

from __future__ import annotations

import hashlib
import io
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

import segno
from PIL import Image, ImageDraw, ImageFont

# Load Pillow's PNG plugin when this module is imported (server start), not on the first
# preview request.
Image.preinit()

FONT_DIR = Path(__file__).resolve().with_name("fonts")
REGULAR_FONT = FONT_DIR / "NanumGothic.ttf"
BOLD_FONT = FONT_DIR / "NanumGothicBold.ttf"

# Bump when the drawing changes, so every cached preview is drawn again.
STYLE_REVISION = "1"

PREVIEW_WIDTH, PREVIEW_HEIGHT = 800, 400
MAX_ROWS = 3
ELLIPSIS = "…"
MAX_INPUT_CHARS = 300

ACCENT = (255, 122, 0)
ACCENT_DARK = (201, 95, 0)
INK = (29, 29, 31)
MUTED = (107, 107, 115)
DANGER = (217, 45, 32)
WHITE = (255, 255, 255)
FEATURED_BG = (255, 241, 224)
FOOTER_BG = (255, 246, 236)
LINE = (240, 224, 204)

# A5 portrait at 300 dpi: 148 mm x 210 mm.
POSTER_DPI = 300
POSTER_WIDTH, POSTER_HEIGHT = 1748, 2480
POSTER_QR_TOP = 690
POSTER_QR_SIZE = 1180


@dataclass(frozen=True)
class PreviewItem:
    name: str
    available: int
    unit: str
    pickup_price: int | None = None
    status_label: str = ""
    """Shown in red instead of the count when set, e.g. "품절"."""


@dataclass(frozen=True)
class Preview:
    """What the preview shows. ``featured`` marks the first item as the one being shared."""

    shop_name: str
    items: tuple[PreviewItem, ...] = ()
    badge: str = "5km 픽업"
    brand: str = "동네5km"
    caption: str = ""
    more_label: str = ""
    empty_label: str = "오늘 입고를 준비하고 있어요"
    price_label: str = "픽업가 {price}원"
    featured: bool = False
    rating: str = ""
    """The shop's reviews in the footer, e.g. "★4.8 (126)"; empty with none."""

    def fingerprint(self) -> str:
        """A short digest of everything drawn except the caption (which says when it was
        drawn), so a preview whose content has not changed keeps its URL."""
        digest = hashlib.sha256(STYLE_REVISION.encode())
        digest.update(repr(replace(self, caption="")).encode("utf-8", "surrogatepass"))
        return digest.hexdigest()[:12]


# --- fonts and text ----------------------------------------------------------------------


@lru_cache(maxsize=128)
def font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    """The bundled Nanum Gothic at ``size`` px. The basic layout engine draws precomposed
    Hangul correctly and behaves the same whether or not libraqm is installed."""
    path = BOLD_FONT if bold else REGULAR_FONT
    return ImageFont.truetype(str(path), size, layout_engine=ImageFont.Layout.BASIC)


def _mask_signature(ch: str) -> tuple[tuple[int, int], bytes]:
    mask = font(32, bold=True).getmask(ch)
    return mask.size, bytes(mask)


@lru_cache(maxsize=1)
def _missing_glyph_signature() -> tuple[tuple[int, int], bytes]:
    return _mask_signature("\uffff")


@lru_cache(maxsize=8192)
def has_glyph(ch: str) -> bool:
    """True when the bundled font draws ``ch`` as itself rather than as the missing-glyph box."""
    if ch == " ":
        return True
    return _mask_signature(ch) != _missing_glyph_signature()


_DROPPED_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}


def clean_text(text: object, max_chars: int = MAX_INPUT_CHARS) -> str:
    """One line of drawable text: NFC, whitespace collapsed, undrawable characters removed."""
    raw = unicodedata.normalize("NFC", str(text)[: max_chars * 2])
    out: list[str] = []
    for ch in raw:
        if ch.isspace():
            if out and out[-1] != " ":
                out.append(" ")
            continue
        if unicodedata.category(ch) in _DROPPED_CATEGORIES or not has_glyph(ch):
            continue
        out.append(ch)
        if len(out) >= max_chars:
            break
    return "".join(out).strip()


def fit_text(
    text: str, max_width: int, size: int, min_size: int, *, bold: bool = False, step: int = 2
) -> tuple[str, ImageFont.FreeTypeFont]:
    """Shrink from ``size`` towards ``min_size`` until ``text`` fits ``max_width``; if it still
    does not fit, cut it and end it with "…". The returned text always fits."""
    max_width = max(0, int(max_width))
    current = size
    while True:
        face = font(current, bold)
        if face.getlength(text) <= max_width:
            return text, face
        if current <= min_size:
            break
        current = max(min_size, current - step)
    face = font(min_size, bold)
    if face.getlength(ELLIPSIS) > max_width:
        return "", face
    low, high = 0, len(text)
    while low < high:
        mid = (low + high + 1) // 2
        if face.getlength(text[:mid].rstrip() + ELLIPSIS) <= max_width:
            low = mid
        else:
            high = mid - 1
    return text[:low].rstrip() + ELLIPSIS, face


def format_count(available: int, unit: str) -> str:
    return f"{max(0, int(available)):,}{clean_text(unit, 20)}"


def format_won(amount: int) -> str:
    return f"{max(0, int(amount)):,}"


# --- the link preview ----------------------------------------------------------------------

PAD = 40
HEADER_HEIGHT = 112
ROW_TOP = 128
ROW_HEIGHT = 72
FOOTER_TOP = 352
COUNT_COLUMN = 250


def _draw_badge(
    draw: ImageDraw.ImageDraw, label: str, right: int, center_y: int, max_width: int
) -> int:
    """A white pill with orange text, right-aligned at ``right``; returns its width."""
    text, face = fit_text(clean_text(label, 30), max_width - 36, 28, 18, bold=True)
    if not text:
        return 0
    width = int(face.getlength(text)) + 36
    height = 52
    box = (right - width, center_y - height // 2, right, center_y + height // 2)
    draw.rounded_rectangle(box, radius=height // 2, fill=WHITE)
    draw.text((right - width // 2, center_y), text, font=face, fill=ACCENT_DARK, anchor="mm")
    return width


def _draw_row(draw: ImageDraw.ImageDraw, item: PreviewItem, index: int, preview: Preview) -> None:
    top = ROW_TOP + index * ROW_HEIGHT
    center = top + ROW_HEIGHT // 2
    featured = preview.featured and index == 0
    if featured:
        draw.rounded_rectangle(
            (PAD - 16, top + 2, PREVIEW_WIDTH - PAD + 16, top + ROW_HEIGHT - 2),
            radius=14,
            fill=FEATURED_BG,
        )
    elif index > 0:
        draw.line((PAD, top, PREVIEW_WIDTH - PAD, top), fill=LINE, width=2)

    name_width = PREVIEW_WIDTH - 2 * PAD - COUNT_COLUMN - 24
    name, name_font = fit_text(clean_text(item.name) or "-", name_width, 34, 22, bold=featured)
    unavailable = bool(item.status_label)
    has_price = item.pickup_price is not None and not unavailable
    name_y = center - 13 if has_price else center
    draw.text((PAD, name_y), name, font=name_font, fill=MUTED if unavailable else INK, anchor="lm")
    if has_price:
        price_text = preview.price_label.replace("{price}", format_won(item.pickup_price or 0))
        price, price_font = fit_text(clean_text(price_text), name_width, 21, 16)
        draw.text((PAD, center + 20), price, font=price_font, fill=MUTED, anchor="lm")

    if unavailable:
        count, count_font = fit_text(clean_text(item.status_label), COUNT_COLUMN, 36, 22, bold=True)
        color = DANGER
    else:
        count, count_font = fit_text(
            format_count(item.available, item.unit), COUNT_COLUMN, 42, 22, bold=True
        )
        color = ACCENT_DARK
    draw.text((PREVIEW_WIDTH - PAD, center), count, font=count_font, fill=color, anchor="rm")


def draw_preview(preview: Preview) -> Image.Image:
    image = Image.new("RGB", (PREVIEW_WIDTH, PREVIEW_HEIGHT), WHITE)
    draw = ImageDraw.Draw(image)

    draw.rectangle((0, 0, PREVIEW_WIDTH, HEADER_HEIGHT), fill=ACCENT)
    header_y = HEADER_HEIGHT // 2
    badge_width = _draw_badge(draw, preview.badge, PREVIEW_WIDTH - PAD, header_y, 240)
    title_width = PREVIEW_WIDTH - 2 * PAD - badge_width - (24 if badge_width else 0)
    title, title_font = fit_text(
        clean_text(preview.shop_name) or "-", title_width, 54, 28, bold=True
    )
    draw.text((PAD, header_y), title, font=title_font, fill=WHITE, anchor="lm")

    items = preview.items[:MAX_ROWS]
    if items:
        for index, item in enumerate(items):
            _draw_row(draw, item, index, preview)
    else:
        empty, empty_font = fit_text(
            clean_text(preview.empty_label), PREVIEW_WIDTH - 2 * PAD, 32, 20
        )
        draw.text(
            (PREVIEW_WIDTH // 2, (ROW_TOP + FOOTER_TOP) // 2),
            empty,
            font=empty_font,
            fill=MUTED,
            anchor="mm",
        )

    draw.rectangle((0, FOOTER_TOP, PREVIEW_WIDTH, PREVIEW_HEIGHT), fill=FOOTER_BG)
    footer_y = (FOOTER_TOP + PREVIEW_HEIGHT) // 2
    brand, brand_font = fit_text(clean_text(preview.brand), 200, 26, 18, bold=True)
    draw.text((PAD, footer_y), brand, font=brand_font, fill=ACCENT, anchor="lm")
    caption_parts = [
        clean_text(preview.rating),
        clean_text(preview.more_label),
        clean_text(preview.caption),
    ]
    caption_text = " · ".join(part for part in caption_parts if part)
    if caption_text:
        brand_width = int(brand_font.getlength(brand)) if brand else 0
        caption, caption_font = fit_text(
            caption_text, PREVIEW_WIDTH - 2 * PAD - brand_width - 24, 21, 15
        )
        draw.text(
            (PREVIEW_WIDTH - PAD, footer_y), caption, font=caption_font, fill=MUTED, anchor="rm"
        )
    return image


def render_preview_png(preview: Preview) -> bytes:
    buffer = io.BytesIO()
    draw_preview(preview).save(buffer, "PNG", compress_level=6)
    return buffer.getvalue()


# --- the QR poster -------------------------------------------------------------------------


def qr_image(data: str, size: int) -> Image.Image:
    """A black-on-white QR code of ``data`` (error level Q, 4-module quiet zone), ``size`` px."""
    code = segno.make(data, error="q", micro=False, boost_error=False)
    border = 4
    modules = code.symbol_size(scale=1, border=border)[0]
    small = Image.new("1", (modules, modules), 1)
    pixels = small.load()
    for y, row in enumerate(code.matrix):
        for x, dark in enumerate(row):
            if dark:
                pixels[x + border, y + border] = 0
    scale = max(1, size // modules)
    return small.resize((modules * scale, modules * scale), Image.Resampling.NEAREST)


def draw_poster(
    shop_name: str,
    url: str,
    *,
    headline: str = "동네 5km 픽업",
    tagline: str = "오늘 들어온 상품, 남은 수량 그대로",
    call_to_action: str = "휴대폰 카메라로 찍어 보세요",
    details: Sequence[str] = ("예약하고 가까운 곳에서 픽업",),
    display_url: str = "",
    brand: str = "동네5km",
) -> Image.Image:
    """An A5 portrait poster (300 dpi) for the counter or a partner café's window."""
    width, height = POSTER_WIDTH, POSTER_HEIGHT
    margin = 130
    inner = width - 2 * margin
    image = Image.new("RGB", (width, height), WHITE)
    draw = ImageDraw.Draw(image)
    center_x = width // 2

    draw.rectangle((0, 0, width, 430), fill=ACCENT)
    text, face = fit_text(clean_text(headline), inner, 150, 80, bold=True)
    draw.text((center_x, 190), text, font=face, fill=WHITE, anchor="mm")
    text, face = fit_text(clean_text(tagline), inner, 58, 36)
    draw.text((center_x, 335), text, font=face, fill=WHITE, anchor="mm")

    text, face = fit_text(clean_text(shop_name) or "-", inner, 124, 60, bold=True)
    draw.text((center_x, 575), text, font=face, fill=INK, anchor="mm")

    qr = qr_image(url, POSTER_QR_SIZE)
    qr_top = POSTER_QR_TOP
    image.paste(qr, (center_x - qr.width // 2, qr_top))
    below = qr_top + qr.height + 60

    text, face = fit_text(clean_text(call_to_action), inner, 72, 40, bold=True)
    draw.text((center_x, below + 40), text, font=face, fill=ACCENT_DARK, anchor="mm")
    y = below + 140
    for line in details:
        text, face = fit_text(clean_text(line), inner, 50, 32)
        draw.text((center_x, y), text, font=face, fill=MUTED, anchor="mm")
        y += 72
    if display_url:
        text, face = fit_text(clean_text(display_url, 200), inner, 40, 24)
        draw.text((center_x, y + 10), text, font=face, fill=MUTED, anchor="mm")

    draw.rectangle((0, height - 150, width, height), fill=FOOTER_BG)
    text, face = fit_text(clean_text(brand), inner, 64, 40, bold=True)
    draw.text((center_x, height - 75), text, font=face, fill=ACCENT, anchor="mm")
    return image


def render_poster(shop_name: str, url: str, *, fmt: str = "png", **texts) -> bytes:
    """The poster as PNG or as a one-page A5 PDF."""
    image = draw_poster(shop_name, url, **texts)
    buffer = io.BytesIO()
    if fmt == "pdf":
        image.save(buffer, "PDF", resolution=POSTER_DPI)
    else:
        image.save(buffer, "PNG", dpi=(POSTER_DPI, POSTER_DPI))
    return buffer.getvalue()
