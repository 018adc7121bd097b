"""Shared links and where their visitors came from.

A shared link carries ``?ref=<channel>`` (kakao, naver, copy, qr, share; anything else is
counted as ``other``). When a person (not a link scraper) opens a shop or listing page with
a ref, the visitor is counted once per shop, channel and day (deduplicated in the cache, so
a repeated visit writes nothing), and the channel is remembered in a signed cookie. When that visitor later reserves, the reservation code calls
:func:`attribute_reservation` to count the reservation for the same channel.
"""

from __future__ import annotations

import secrets
from datetime import date, timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.crypto import salted_hmac

from shops import services
from shops.models import ShareChannel, Shop

REF_COOKIE = "d5k_ref"
REF_COOKIE_SALT = "shops.sharing.ref"
REF_COOKIE_SHOPS = 8
# A random id per browser, signed with the day it was issued; only ever used to count a
# visitor once a day (see visitor_key), never stored server-side beyond a day's cache entry.
DEVICE_COOKIE = "d5k_vid"
DEVICE_COOKIE_SALT = "shops.sharing.device"
DEVICE_COOKIE_DAYS = 365
SHARE_CHANNELS = (
    ShareChannel.KAKAO,
    ShareChannel.NAVER,
    ShareChannel.COPY,
    ShareChannel.QR,
    ShareChannel.SHARE,
)

# Link-preview fetchers and crawlers: they open shared links but are not visitors.
SCRAPER_MARKERS = (
    "facebookexternalhit",
    "facebookcatalog",
    "kakaotalk-scrap",
    "scrap",
    "yeti",
    "daumoa",
    "googlebot",
    "bingbot",
    "applebot",
    "twitterbot",
    "slackbot",
    "discordbot",
    "telegrambot",
    "linkedinbot",
    "duckduckbot",
    "petalbot",
    "yandex",
    "crawler",
    "spider",
    "slurp",
    "embedly",
    "whatsapp",
    "skypeuripreview",
    "preview",
)


def is_link_scraper(user_agent: str) -> bool:
    agent = (user_agent or "").lower()
    return any(marker in agent for marker in SCRAPER_MARKERS)


def ref_channel(request: HttpRequest) -> str | None:
    """The channel a request's ``?ref=`` names; None when there is no ref at all."""
    raw = request.GET.get("ref")
    if raw is None or not raw.strip():
        return None
    return services.normalize_channel(raw[:32])


def share_url(canonical_url: str, channel: str) -> str:
    return f"{canonical_url}?{urlencode({'ref': services.normalize_channel(channel)})}"


def naver_share_url(url: str, title: str) -> str:
    return "https://share.naver.com/web/shareView?" + urlencode({"url": url, "title": title})


# --- the remembered channel ---------------------------------------------------------------


def _read_cookie(request: HttpRequest) -> dict[int, tuple[str, date]]:
    max_age = timedelta(days=settings.SHARE_ATTRIBUTION_DAYS)
    try:
        raw = request.get_signed_cookie(
            REF_COOKIE, default="", salt=REF_COOKIE_SALT, max_age=max_age
        )
    except (signing.BadSignature, ValueError):
        return {}
    entries: dict[int, tuple[str, date]] = {}
    for part in (raw or "").split("|")[:REF_COOKIE_SHOPS]:
        try:
            shop_id, channel, day = part.split(":")
            entries[int(shop_id)] = (services.normalize_channel(channel), date.fromisoformat(day))
        except ValueError:
            continue
    return entries


def _write_cookie(response: HttpResponse, entries: dict[int, tuple[str, date]]) -> None:
    kept = list(entries.items())[-REF_COOKIE_SHOPS:]
    value = "|".join(f"{shop_id}:{channel}:{day.isoformat()}" for shop_id, (channel, day) in kept)
    response.set_signed_cookie(
        REF_COOKIE,
        value,
        salt=REF_COOKIE_SALT,
        max_age=settings.SHARE_ATTRIBUTION_DAYS * 24 * 3600,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


# --- who the visitor is ---------------------------------------------------------------


def _read_device(request: HttpRequest) -> tuple[str, date] | None:
    """The device cookie's id and the day it was issued, when it is ours and intact."""
    try:
        raw = request.get_signed_cookie(
            DEVICE_COOKIE,
            default="",
            salt=DEVICE_COOKIE_SALT,
            max_age=timedelta(days=DEVICE_COOKIE_DAYS),
        )
        device, issued = (raw or "").split(":")
        return device, date.fromisoformat(issued)
    except (signing.BadSignature, ValueError):
        return None


def _write_device(response: HttpResponse, today: date) -> None:
    response.set_signed_cookie(
        DEVICE_COOKIE,
        f"{secrets.token_urlsafe(12)}:{today.isoformat()}",
        salt=DEVICE_COOKIE_SALT,
        max_age=DEVICE_COOKIE_DAYS * 24 * 3600,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def _visitor_name(kind: str, value: str) -> str:
    # Keyed with SECRET_KEY, so a cache key never gives an address or a cookie back.
    return kind + salted_hmac("shops.sharing.visitor", value).hexdigest()[:32]


def visitor_key(request: HttpRequest, today: date) -> tuple[str, bool]:
    """An opaque name for the visitor, and whether they need a device cookie.

    A device cookie issued before today names the device. Otherwise (no cookie, a forged
    one, or one issued today) the visitor is their address and browser, hashed: a client
    that drops or refuses cookies is still one visitor, and a cookie minted today cannot
    make a second visitor out of the client that just got it.
    """
    device = _read_device(request)
    if device is not None and device[1] < today:
        return _visitor_name("d", device[0]), False
    address = request.META.get("REMOTE_ADDR") or ""
    agent = request.headers.get("User-Agent", "")[:512]
    return _visitor_name("a", f"{address}\0{agent}"), device is None


def note_visit(request: HttpRequest, response: HttpResponse, shop: Shop) -> str | None:
    """Count a visit that came through a shared link and remember its channel.

    Scrapers are not counted, and each visitor (see :func:`visitor_key`) is counted at most
    once per shop, channel and day, deduplicated in the cache: repeated visits write nothing
    to the database. Returns the channel counted or remembered, or None.
    """
    channel = ref_channel(request)
    if channel is None or is_link_scraper(request.headers.get("User-Agent", "")):
        return None
    today = timezone.localdate()
    entries = _read_cookie(request)
    if entries.get(shop.pk) == (channel, today):
        return channel
    visitor, needs_device = visitor_key(request, today)
    services.record_share_visit(shop_id=shop.pk, channel=channel, visitor=visitor, day=today)
    if needs_device:
        _write_device(response, today)
    entries.pop(shop.pk, None)
    entries[shop.pk] = (channel, today)
    _write_cookie(response, entries)
    return channel


def reservation_channel(request: HttpRequest, shop: Shop | int) -> str | None:
    """The channel through which this visitor last came to ``shop`` within the attribution
    window (``SHARE_ATTRIBUTION_DAYS``), or None."""
    shop_id = shop.pk if isinstance(shop, Shop) else int(shop)
    entry = _read_cookie(request).get(shop_id)
    if entry is None:
        return None
    channel, day = entry
    if timezone.localdate() - day > timedelta(days=settings.SHARE_ATTRIBUTION_DAYS):
        return None
    return channel


def attribute_reservation(request: HttpRequest, shop: Shop | int) -> str | None:
    """Count one reservation for the channel this visitor came through; returns it or None.

    For the reservation code: call it inside the same ``transaction.atomic()`` that creates
    the reservation (a rolled-back reservation is then never counted), or after it commits.
    """
    channel = reservation_channel(request, shop)
    if channel is None:
        return None
    shop_id = shop.pk if isinstance(shop, Shop) else int(shop)
    services.record_share_reservation(shop_id=shop_id, channel=channel)
    return channel
