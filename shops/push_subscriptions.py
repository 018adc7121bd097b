"""The one check of a browser's Web Push subscription (``PushSubscription.toJSON()``).

It lives on the ground floor so every floor that accepts a subscription answers the same:
``notify`` (follows, restock alerts) and ``pickup``'s reservation API (its optional
``push_subscription``, checked *before* the reservation is made, so a refused endpoint is a
422 and nothing is stored). The endpoint is where the server will POST later, so only the
push-service hosts in ``WEB_PUSH_ENDPOINT_HOSTS`` are accepted (SSRF guard); the delivery
code never follows redirects either.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.utils.translation import gettext as _

from shops.errors import InvalidInput

MAX_ENDPOINT_LENGTH = 1000


@dataclass(frozen=True)
class Subscription:
    endpoint: str
    p256dh: str
    auth: str

    def as_info(self) -> dict[str, Any]:
        return {"endpoint": self.endpoint, "keys": {"p256dh": self.p256dh, "auth": self.auth}}


def _b64url(value: str) -> bytes:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


def _invalid() -> InvalidInput:
    return InvalidInput(
        _("알림 구독 정보가 올바르지 않습니다. 페이지를 새로고침한 뒤 다시 시도해 주세요."),
        code="invalid_subscription",
    )


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _split_entry(entry: str) -> tuple[str, int | None]:
    """``host``, ``host:port``, ``[v6]``, ``[v6]:port`` or a bare IPv6 address."""
    if entry.startswith("["):
        name, _sep, rest = entry[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else ""
    elif entry.count(":") == 1:
        name, _sep, port = entry.partition(":")
    else:
        name, port = entry, ""
    return name, int(port) if port.isdigit() else None


def host_allowed(host: str, port: int | None, allowed: list[str] | None = None) -> bool:
    """Whether ``host[:port]`` is one of the listed push services: ``host`` (any port),
    ``host:port`` (that port only) or ``*.domain`` (its subdomains, any port)."""
    host = host.lower().rstrip(".").strip("[]")
    for entry in settings.WEB_PUSH_ENDPOINT_HOSTS if allowed is None else allowed:
        name, entry_port = _split_entry(entry.strip().lower())
        if entry_port is not None and port != entry_port:
            continue
        if name.startswith("*."):
            if host.endswith(name[1:]):
                return True
        elif host == name:
            return True
    return False


def clean_subscription(value: Any) -> Subscription:
    """``{"endpoint", "keys": {"p256dh", "auth"}}`` checked, or ``InvalidInput``: 422
    ``push_endpoint_not_allowed`` for an endpoint outside ``WEB_PUSH_ENDPOINT_HOSTS``, 422
    ``invalid_subscription`` for anything malformed."""
    if not isinstance(value, dict):
        raise _invalid()
    endpoint, keys = value.get("endpoint"), value.get("keys")
    if not isinstance(endpoint, str) or not isinstance(keys, dict):
        raise _invalid()
    if not endpoint or len(endpoint) > MAX_ENDPOINT_LENGTH or not endpoint.isprintable():
        raise _invalid()
    try:
        parts = urlsplit(endpoint)
        port = parts.port
    except ValueError:
        raise _invalid() from None
    host = parts.hostname or ""
    if parts.scheme not in ("https", "http") or not host or parts.username or parts.password:
        raise _invalid()
    # Plain http only for a push service on this machine (a test or development one).
    effective_port = port or (443 if parts.scheme == "https" else 80)
    if not host_allowed(host, effective_port) or (
        parts.scheme == "http" and not _is_loopback(host)
    ):
        raise InvalidInput(
            _(
                "이 알림 서비스 주소는 허용되지 않습니다. 브라우저의 기본 알림 서비스를 사용해 주세요."
            ),
            code="push_endpoint_not_allowed",
        )
    p256dh, auth = keys.get("p256dh"), keys.get("auth")
    if not isinstance(p256dh, str) or not isinstance(auth, str):
        raise _invalid()
    try:
        point, secret = _b64url(p256dh), _b64url(auth)
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
    except (ValueError, binascii.Error, TypeError):
        raise _invalid() from None
    if len(point) != 65 or len(secret) != 16:
        raise _invalid()
    return Subscription(endpoint=endpoint, p256dh=p256dh.rstrip("="), auth=auth.rstrip("="))
