"""A review photo as it is stored: upright, at most ``MAX_SIDE`` pixels on its longer side,
re-encoded as JPEG with no metadata (EXIF with the phone's GPS position, XMP, comments
are all dropped). Plain Pillow, no Django: bytes in, bytes out.

The upload has already passed the one upload validator (livestock/media.py) before it gets
here; this only makes the copy that is kept.
"""

from __future__ import annotations

import io
from typing import BinaryIO

from PIL import Image, ImageOps

MAX_SIDE = 1280
JPEG_QUALITY = 85


def prepare(stream: BinaryIO, *, max_side: int = MAX_SIDE) -> bytes:
    """Return the JPEG bytes to store for a photo read from ``stream``."""
    stream.seek(0)
    with Image.open(stream) as original:
        image = ImageOps.exif_transpose(original)  # turn it as the camera meant, then forget why
        image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
        if image.mode not in ("RGB", "L"):
            # Transparent parts (a PNG or WebP with alpha) go white, not black.
            rgba = image.convert("RGBA")
            flat = Image.new("RGB", rgba.size, (255, 255, 255))
            flat.paste(rgba, mask=rgba.getchannel("A"))
            image = flat
        out = io.BytesIO()
        # No exif=, no icc_profile=, no comment: Pillow writes none of them unless asked.
        image.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    return out.getvalue()
