"""Who is reserving: a device cookie and the network address, as keyed hashes.

The "1인 최대" limit (pickup/services/reservations.py) counts the units a customer holds in open
reservations of one listing by device cookie and by phone, and every client by network
address with a much larger allowance: a carrier NAT puts many honest customers behind one
address, and a script can drop the cookie or fetch a new one for every request.

Only HMACs (keyed with SECRET_KEY) are stored, on the reservation, and only while it is open.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.crypto import salted_hmac

DEVICE_COOKIE = "d5k_device"
DEVICE_COOKIE_SALT = "pickup.clients.device"
DEVICE_COOKIE_MAX_AGE = 400 * 24 * 3600  # the longest browsers keep a cookie


@dataclass(frozen=True)
class Client:
    device: str = ""  # keyed hash of the device cookie, "" without one
    network: str = ""  # keyed hash of the client's address


def _digest(kind: str, value: str) -> str:
    return salted_hmac(f"pickup.clients.{kind}", value, algorithm="sha256").hexdigest()


def _device_id(request: HttpRequest) -> str:
    value = request.get_signed_cookie(DEVICE_COOKIE, default="", salt=DEVICE_COOKIE_SALT)
    return value if isinstance(value, str) and 16 <= len(value) <= 64 else ""


def client_for(request: HttpRequest, ip: str) -> Client:
    device = _device_id(request)
    return Client(
        device=_digest("device", device) if device else "",
        network=_digest("network", ip) if ip else "",
    )


def remember_device(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """Give a browser that has none its device cookie (first party, HttpOnly)."""
    if not _device_id(request):
        response.set_signed_cookie(
            DEVICE_COOKIE,
            secrets.token_urlsafe(24),
            salt=DEVICE_COOKIE_SALT,
            max_age=DEVICE_COOKIE_MAX_AGE,
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
            samesite="Lax",
        )
    return response


def customer_key(*, shop_id: int, phone: str) -> str:
    """A keyed hash of a normalised phone number, per shop: the same customer at the same
    shop gives the same key, and nothing gives the number back (HMAC-SHA256 keyed with a key
    derived from SECRET_KEY; another shop's key for the same phone differs, so keys cannot
    be joined across shops). Stored on the reservation and erased with its phone number
    (see docs/privacy.md)."""
    return _digest("customer", f"{shop_id}:{phone}")
