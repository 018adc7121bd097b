"""Where a webhook may be sent: https on a public address, checked after DNS resolution.

Plain Python, no Django. The URL is checked when an endpoint is saved (its shape, and a
literal IP address) and again at every delivery, after resolving its host: the worker then
connects to the address it checked, never resolving twice, so a name that changes its
answer between the check and the connection (DNS rebinding) cannot redirect it inside.
``allow_insecure`` (``WEBHOOK_ALLOW_INSECURE``, development and tests only) allows ``http``
and loopback or private addresses.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

MAX_URL_LENGTH = 2000


class Refused(ValueError):
    """A URL or address a webhook may not go to; ``code`` says why."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(detail or code)
        self.code = code


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str  # lower-case name or IP literal, without brackets
    port: int
    path: str  # path and query, never empty

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        default = 443 if self.scheme == "https" else 80
        return host if self.port == default else f"{host}:{self.port}"

    def url_for(self, address: str) -> str:
        literal = f"[{address}]" if ":" in address else address
        return f"{self.scheme}://{literal}:{self.port}{self.path}"


def parse(url: object, *, allow_insecure: bool) -> Target:
    if not isinstance(url, str) or not url.strip():
        raise Refused("url_required")
    url = url.strip()
    if len(url) > MAX_URL_LENGTH or any(ord(c) < 33 or ord(c) == 127 for c in url):
        raise Refused("invalid_url")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise Refused("invalid_url") from None
    scheme = parts.scheme.lower()
    if scheme not in ("https", "http"):
        raise Refused("invalid_url")
    if scheme == "http" and not allow_insecure:
        raise Refused("https_required")
    if parts.username is not None or parts.password is not None:
        raise Refused("invalid_url")
    host = (parts.hostname or "").lower().rstrip(".")
    if not host:
        raise Refused("invalid_url")
    if parts.fragment:
        raise Refused("invalid_url")
    literal = _ip(host)
    if literal is not None:
        check_address(str(literal), allow_insecure=allow_insecure)
    elif not allow_insecure and (host == "localhost" or host.endswith(".localhost")):
        raise Refused("address_not_allowed", host)
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return Target(scheme, host, port or (443 if scheme == "https" else 80), path)


def _ip(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        return None


def is_public(address: str) -> bool:
    ip = _ip(address)
    if ip is None:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if isinstance(ip, ipaddress.IPv6Address) and ip.sixtofour is not None:
        ip = ip.sixtofour
    return ip.is_global and not ip.is_multicast


def check_address(address: str, *, allow_insecure: bool) -> str:
    if _ip(address) is None:
        raise Refused("address_not_allowed", address)
    if not allow_insecure and not is_public(address):
        raise Refused("address_not_allowed", address)
    return address


def resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (the one place that asks DNS; tests replace it)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise Refused("dns_failed", str(error)) from None
    seen: list[str] = []
    for _family, _type, _proto, _name, sockaddr in infos:
        address = str(sockaddr[0]).split("%", 1)[0]
        if address not in seen:
            seen.append(address)
    return seen


def pick_address(target: Target, *, allow_insecure: bool) -> str:
    """The address to connect to: every address the name has must be allowed (a name that
    answers with a private address among public ones is refused), then the first one."""
    literal = _ip(target.host)
    if literal is not None:
        return check_address(str(literal), allow_insecure=allow_insecure)
    addresses = resolve(target.host, target.port)
    if not addresses:
        raise Refused("dns_failed", target.host)
    for address in addresses:
        check_address(address, allow_insecure=allow_insecure)
    return addresses[0]
