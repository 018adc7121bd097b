"""The one validator for what owners upload: a photo (JPEG/PNG/WebP) or a short MP4/MOV clip.

Every place that accepts a file (the owner console, the services the API calls, the admin's
forms) goes through :func:`check_photo` / :func:`check_video`. The file's own bytes decide
its type, never its name or the browser's claim, and the stored name's extension is set from
the detected type: the checks rename the upload, and :class:`UploadStorage` (the default
storage) sniffs every file again as it is written, so nothing with another extension can
land in ``MEDIA_ROOT`` whichever code path saves it.
"""

from __future__ import annotations

import struct
from pathlib import PurePosixPath
from typing import BinaryIO

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import UploadedFile
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.utils.translation import gettext as _
from django.views import static
from mutagen.mp4 import AtomError, Atoms
from PIL import Image, UnidentifiedImageError

from livestock import images
from shops.errors import InvalidInput

PHOTO_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
MAX_PHOTO_PIXELS = 40_000_000

# What may be stored and how it is served; anything else is sent as a download.
CONTENT_TYPES = {
    "jpg": "image/jpeg",
    "png": "image/png",
    "webp": "image/webp",
    "mp4": "video/mp4",
    "mov": "video/quicktime",
}


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
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        struct.error,
        Image.DecompressionBombError,
    ):
        raise InvalidInput(
            _("사진 파일을 읽을 수 없습니다. JPG, PNG, WebP 사진을 올려 주세요."),
            code="invalid_photo",
        ) from None
    finally:
        upload.seek(0)
    if fmt not in PHOTO_FORMATS or sniff_extension(upload) != PHOTO_FORMATS[fmt]:
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
    try:
        ext, seconds = video_duration(upload)
    finally:
        upload.seek(0)
    if seconds > settings.MAX_VIDEO_SECONDS:
        raise InvalidInput(
            _("영상은 %(max)d초 이하만 올릴 수 있습니다. (지금 %(sec).1f초)")
            % {"max": settings.MAX_VIDEO_SECONDS, "sec": seconds},
            code="video_too_long",
        )
    _rename(upload, ext)
    return seconds


def prepared_photo(upload: UploadedFile, *, name: str = "photo.jpg") -> ContentFile:
    """Check a photo and return the one copy to store in its place: upright, at most
    1280 px, JPEG without EXIF/GPS (``livestock.images.prepare``). For review and café
    photos; listings keep several copies (``livestock.services.attach_photo``)."""
    check_photo(upload)
    return ContentFile(_decoded(images.prepare, upload), name=name)


def photo_copies(upload: UploadedFile) -> list[images.Variant]:
    """Check a photo and return the resized copies a listing keeps (``images.variants``)."""
    check_photo(upload)
    return _decoded(images.variants, upload)


def _decoded(make, upload: UploadedFile):
    # Pillow's verify() passed, but decoding every pixel can still fail (a cut-off file).
    try:
        return make(upload)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        raise InvalidInput(
            _("사진 파일을 읽을 수 없습니다. JPG, PNG, WebP 사진을 올려 주세요."),
            code="invalid_photo",
        ) from None


def form_check(upload: UploadedFile | None, check) -> UploadedFile | None:
    """Run a check inside a Django form's ``clean_<field>``: its message becomes the field's."""
    if upload is None or not isinstance(upload, UploadedFile):
        return upload  # nothing new uploaded (empty, cleared, or the stored file kept)
    try:
        check(upload)
    except InvalidInput as exc:
        raise ValidationError(exc.detail, code=exc.code) from None
    return upload


def _rename(upload: UploadedFile, ext: str) -> None:
    upload.name = f"upload.{ext}"


def _invalid_video() -> InvalidInput:
    return InvalidInput(_("MP4 또는 MOV 영상만 올릴 수 있습니다."), code="invalid_video")


def video_duration(stream: BinaryIO) -> tuple[str, float]:
    """Return (extension, seconds) of an MP4/MOV with a video track, or raise InvalidInput.

    mutagen parses the box tree (a malformed or truncated tree is refused). The clip's length
    is the longest of the movie header, every track's header, media header and sample table,
    so no one header can understate it. (mutagen's own ``MP4(...).info.length`` reads only
    the first sound track's length, or the movie header's, so it is not enough alone.) A
    fragmented file (``moof`` fragments after a ``moov`` that holds
    no samples) keeps its real length out of every header, so it is refused.
    """
    stream.seek(0)
    ext = sniff_extension(stream)
    if ext not in ("mp4", "mov"):
        raise _invalid_video()
    try:
        stream.seek(0)
        atoms = Atoms(stream)
        if sum(a.name == b"moov" for a in atoms.atoms) != 1:
            raise ValueError("not exactly one moov")
        moov = atoms[b"moov"]
        lengths: list[float] = []
        if any(a.name in (b"moof", b"mfra") for a in atoms.atoms) or any(
            child.name == b"mvex" for child in moov.children
        ):
            raise InvalidInput(
                _(
                    "조각난(fragmented) MP4 영상은 올릴 수 없습니다. 휴대폰 카메라로 찍은 원본 파일을 올려 주세요."
                ),
                code="invalid_video",
            )
        movie_scale, movie_length = _timing(moov[b"mvhd",], stream)
        lengths.append(movie_length / movie_scale)
        has_video = False
        for trak in moov.findall(b"trak"):
            has_video |= _payload(trak[b"mdia", b"hdlr"], stream)[8:12] == b"vide"
            version, tkhd = _full_box(trak[b"tkhd",], stream)
            track_length = _unpack(">Q" if version else ">I", tkhd, 24 if version else 16)
            if track_length not in (0xFFFFFFFF, 0xFFFFFFFFFFFFFFFF):  # all ones: "unknown"
                lengths.append(track_length / movie_scale)
            lengths.append(_edit_list_length(trak, stream) / movie_scale)
            scale, length = _timing(trak[b"mdia", b"mdhd"], stream)
            lengths.append(length / scale)
            _version, stts = _full_box(trak[b"mdia", b"minf", b"stbl", b"stts"], stream)
            entries = _unpack(">I", stts, 0)
            if len(stts) < 4 + 8 * entries:
                raise ValueError("short stts")
            samples = sum(
                count * delta
                for count, delta in struct.iter_unpack(">II", stts[4 : 4 + 8 * entries])
            )
            lengths.append(samples / scale)
    except (AtomError, KeyError, ValueError, ZeroDivisionError, struct.error, OSError):
        raise _invalid_video() from None
    if not has_video:
        raise _invalid_video()
    return ext, max(lengths)


def _edit_list_length(trak, stream: BinaryIO) -> int:
    """The summed segment durations of a track's edit list (``edts/elst``), in movie units:
    an edit can stretch what is shown (an empty edit delays the start) beyond the samples."""
    total = 0
    for edts in trak.findall(b"edts"):
        data = _payload(edts, stream)  # mutagen does not open edts: its children are read here
        offset = 0
        while offset + 8 <= len(data):
            size, name = struct.unpack_from(">I4s", data, offset)
            if size < 8:
                raise ValueError("bad box in edts")
            if name == b"elst":
                body = data[offset + 8 : offset + size]
                version, count = body[0], _unpack(">I", body, 4)
                entry = 20 if version == 1 else 12
                if len(body) < 8 + entry * count:
                    raise ValueError("short elst")
                for i in range(count):
                    total += _unpack(">Q" if version == 1 else ">I", body, 8 + i * entry)
            offset += size
    return total


def _payload(atom, stream: BinaryIO) -> bytes:
    complete, data = atom.read(stream)
    if not complete:
        raise ValueError(f"truncated {atom.name!r}")
    return data


def _full_box(atom, stream: BinaryIO) -> tuple[int, bytes]:
    data = _payload(atom, stream)
    if len(data) < 4 or data[0] > 1:
        raise ValueError(f"bad {atom.name!r}")
    return data[0], data[4:]


def _unpack(fmt: str, data: bytes, offset: int) -> int:
    return struct.unpack_from(fmt, data, offset)[0]


def _timing(atom, stream: BinaryIO) -> tuple[int, int]:
    """(timescale, duration) of an ``mvhd`` or ``mdhd`` box (same layout for both)."""
    version, data = _full_box(atom, stream)
    if version == 1:
        scale, length = struct.unpack_from(">IQ", data, 16)
    else:
        scale, length = struct.unpack_from(">II", data, 8)
    if scale == 0:
        raise ZeroDivisionError
    return scale, length


def sniff_extension(stream: BinaryIO) -> str | None:
    """The extension for a stream's leading bytes, or None for anything not allowed."""
    stream.seek(0)
    head = stream.read(16)
    stream.seek(0)
    if head.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head[4:8] == b"ftyp" and len(head) >= 12:
        return "mov" if head[8:12] == b"qt  " else "mp4"
    return None


class UploadStorage(FileSystemStorage):
    """MEDIA_ROOT storage that names every file it writes by the file's own bytes.

    The checks above already rename uploads; this is the floor under every path that saves
    a file (forms, services, admin, shell): the extension always comes from the content,
    and content of no allowed type is never written.
    """

    def save(self, name, content, max_length=None):
        ext = sniff_extension(content)
        if ext is None:
            raise SuspiciousFileOperation("refusing to store a file of no allowed type")
        name = str(PurePosixPath(name or "upload").with_suffix(f".{ext}"))
        return super().save(name, content, max_length=max_length)


# The policy every stored upload is sent with, by Django here and by nginx (deploy/): no
# script, no plugin, no form, even when a file is opened as a page of its own.
MEDIA_CSP = "default-src 'none'; img-src 'self'; media-src 'self'; sandbox"


def serve_upload(request: HttpRequest, path: str) -> HttpResponseBase:
    """``/media/<path>`` when SERVE_MEDIA is on: only photo and video types are shown inline;
    anything else (a file stored before these checks existed) is a sandboxed download."""
    if not settings.SERVE_MEDIA:
        raise Http404
    response = static.serve(request, path, document_root=settings.MEDIA_ROOT)
    ext = PurePosixPath(path).suffix.lower().lstrip(".")
    ext = "jpg" if ext == "jpeg" else ext
    if ext in CONTENT_TYPES:
        response.headers["Content-Type"] = CONTENT_TYPES[ext]
    else:
        response.headers["Content-Type"] = "application/octet-stream"
        response.headers["Content-Disposition"] = "attachment"
    response.headers.pop("Content-Encoding", None)
    response.headers["Content-Security-Policy"] = MEDIA_CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
