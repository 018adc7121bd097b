"""Checks for what owners upload: a photo (JPEG/PNG/WebP) or a short MP4/MOV clip.

The file's own bytes decide its type, never its name or the browser's claim.
"""

from __future__ import annotations

import struct
from typing import BinaryIO

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from shops.errors import InvalidInput

PHOTO_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
MAX_PHOTO_PIXELS = 40_000_000


def check_photo(upload: UploadedFile) -> str:
    """Return the file extension for a valid photo, or raise InvalidInput."""
    if upload.size > settings.MAX_PHOTO_BYTES:
        raise InvalidInput(
            _("사진은 %(mb)dMB 이하만 올릴 수 있습니다.")
            % {"mb": settings.MAX_PHOTO_BYTES // (1024 * 1024)},
            code="photo_too_large",
        )
    try:
        upload.seek(0)
        with Image.open(upload) as image:
            fmt = image.format
            width, height = image.size
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise InvalidInput(_("사진 파일을 읽을 수 없습니다. JPG, PNG, WebP 사진을 올려 주세요."),
                           code="invalid_photo") from None
    finally:
        upload.seek(0)
    if fmt not in PHOTO_FORMATS:
        raise InvalidInput(_("JPG, PNG, WebP 사진만 올릴 수 있습니다."), code="invalid_photo")
    if width * height > MAX_PHOTO_PIXELS:
        raise InvalidInput(_("사진 해상도가 너무 큽니다."), code="photo_too_large")
    _rename(upload, PHOTO_FORMATS[fmt])
    return PHOTO_FORMATS[fmt]


def check_video(upload: UploadedFile) -> float:
    """Return the clip's length in seconds for a valid MP4/MOV of at most 20 s."""
    if upload.size > settings.MAX_VIDEO_BYTES:
        raise InvalidInput(
            _("영상은 %(mb)dMB 이하만 올릴 수 있습니다.")
            % {"mb": settings.MAX_VIDEO_BYTES // (1024 * 1024)},
            code="video_too_large",
        )
    upload.seek(0)
    try:
        kind, seconds = mp4_duration(upload)
    finally:
        upload.seek(0)
    if seconds is None:
        raise InvalidInput(_("MP4 또는 MOV 영상만 올릴 수 있습니다."), code="invalid_video")
    if seconds > settings.MAX_VIDEO_SECONDS:
        raise InvalidInput(
            _("영상은 %(max)d초 이하만 올릴 수 있습니다. (지금 %(sec).1f초)")
            % {"max": settings.MAX_VIDEO_SECONDS, "sec": seconds},
            code="video_too_long",
        )
    _rename(upload, kind)
    return seconds


def _rename(upload: UploadedFile, ext: str) -> None:
    upload.name = f"upload.{ext}"


def mp4_duration(stream: BinaryIO, limit: int = 64 * 1024 * 1024) -> tuple[str, float | None]:
    """Read the ISO-BMFF box tree for ``moov/mvhd`` and return (extension, seconds).

    Returns ``(ext, None)`` when the stream is not an MP4/MOV with a movie header.
    """
    header = stream.read(12)
    if len(header) < 12 or header[4:8] != b"ftyp":
        return "", None
    brand = header[8:12]
    ext = "mov" if brand == b"qt  " else "mp4"
    stream.seek(0)
    offset = 0
    end = limit
    while offset < end:
        stream.seek(offset)
        head = stream.read(8)
        if len(head) < 8:
            return ext, None
        size, box = struct.unpack(">I4s", head)
        header_len = 8
        if size == 1:
            size = struct.unpack(">Q", stream.read(8))[0]
            header_len = 16
        elif size == 0:
            size = end - offset
        if size < header_len:
            return ext, None
        if box == b"moov":
            offset += header_len
            end = min(end, offset - header_len + size)
            continue
        if box == b"mvhd":
            version = stream.read(1)
            if not version:
                return ext, None
            stream.read(3)
            if version[0] == 1:
                data = stream.read(28)
                if len(data) < 28:
                    return ext, None
                timescale, duration = struct.unpack(">IQ", data[16:28])
            else:
                data = stream.read(16)
                if len(data) < 16:
                    return ext, None
                timescale, duration = struct.unpack(">II", data[8:16])
            if timescale == 0:
                return ext, None
            return ext, duration / timescale
        offset += size
    return ext, None
