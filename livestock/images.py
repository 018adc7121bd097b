"""A photo as it is stored: upright, resized, re-encoded with no metadata. Plain Pillow, no
Django: bytes in, bytes out.

Phones send 4–8 MB JPEGs with EXIF (the GPS position of the shop or the customer's home, the
camera's rotation flag). Nothing of that is ever kept: every stored file is a new encoding of
the pixels, turned as the camera meant (``exif_transpose``), without EXIF, XMP, ICC or
comments. Listings keep one copy per width in :data:`LISTING_WIDTHS` as WebP and JPEG (the
page offers them through ``srcset``; JPEG is the fallback for browsers without WebP); a
review keeps one JPEG (:func:`prepare`).

The upload has already passed the one upload validator (livestock/media.py) before it gets
here; this only makes the copies that are kept.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import BinaryIO

from PIL import Image, ImageOps

MAX_SIDE = 1280
JPEG_QUALITY = 85
WEBP_QUALITY = 80
# thumbnail (owner lists), card (shop page, item page), full (opened on a large screen).
LISTING_WIDTHS = (320, 640, 1280)
FORMATS = {"webp": "WEBP", "jpg": "JPEG"}


@dataclass(frozen=True)
class Variant:
    width: int
    height: int
    ext: str  # "webp" or "jpg"
    data: bytes


def _upright_rgb(original: Image.Image) -> Image.Image:
    image = ImageOps.exif_transpose(original)  # turn it as the camera meant, then forget why
    if image.mode not in ("RGB", "L"):
        # Transparent parts (a PNG or WebP with alpha) go white, not black.
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        image = flat
    return image


def _encode(image: Image.Image, ext: str) -> bytes:
    out = io.BytesIO()
    # No exif=, no icc_profile=, no comment: Pillow writes none of them unless asked.
    if ext == "webp":
        image.save(out, format="WEBP", quality=WEBP_QUALITY, method=4)
    else:
        image.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    return out.getvalue()


def prepare(stream: BinaryIO, *, max_side: int = MAX_SIDE) -> bytes:
    """Return the JPEG bytes to store for a photo read from ``stream`` (one copy)."""
    stream.seek(0)
    with Image.open(stream) as original:
        image = _upright_rgb(original)
        image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
        return _encode(image, "jpg")


def variants(stream: BinaryIO, *, widths: tuple[int, ...] = LISTING_WIDTHS) -> list[Variant]:
    """Every copy to keep of a listing photo: each width as WebP and JPEG, smallest first.

    A photo narrower than a width is never enlarged: the widths it cannot fill collapse into
    one copy at its own width. The height follows the aspect ratio, at most twice
    the width (a panorama strip is bounded by its height instead).
    """
    stream.seek(0)
    out: list[Variant] = []
    with Image.open(stream) as original:
        image = _upright_rgb(original)
        done: set[int] = set()
        for width in sorted(widths):
            box = (width, width * 2)
            copy = image.copy()
            copy.thumbnail(box, Image.Resampling.LANCZOS)
            if copy.width in done:
                continue
            done.add(copy.width)
            for ext in FORMATS:
                out.append(Variant(copy.width, copy.height, ext, _encode(copy, ext)))
    return out
