"""Address → coordinates through geopy, with the provider chosen by settings.GEOCODER.

Any failure to reach the provider becomes a clear message; owners can always type
coordinates or click on the picture instead.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from geopy.exc import GeopyError
from geopy.geocoders import get_geocoder_for_service

from shops.errors import InvalidInput

logger = logging.getLogger(__name__)

MAX_QUERY = 200


@dataclass(frozen=True)
class Geocoded:
    lat: float
    lng: float
    address: str


def get_geocoder() -> Any | None:
    """The configured geopy geocoder, or None when address search is turned off."""
    name = settings.GEOCODER
    if not name or name in {"disabled", "off", "none"}:
        return None
    options: dict[str, Any] = {
        "timeout": settings.GEOCODER_TIMEOUT,
        "user_agent": settings.GEOCODER_USER_AGENT,
    }
    if settings.GEOCODER_DOMAIN:
        options["domain"] = settings.GEOCODER_DOMAIN
    try:
        return get_geocoder_for_service(name)(**options)
    except (GeopyError, TypeError) as exc:
        logger.warning("geocoder %r unusable: %s", name, exc)
        return None


def geocode(query: Any) -> Geocoded:
    if not isinstance(query, str) or not query.strip():
        raise InvalidInput(_("찾을 주소를 입력해 주세요."), code="address_required")
    query = query.strip()
    if len(query) > MAX_QUERY:
        raise InvalidInput(
            _("주소는 %(max)d자 이하로 입력해 주세요.") % {"max": MAX_QUERY}, code="too_long"
        )
    geocoder = get_geocoder()
    if geocoder is None:
        raise InvalidInput(
            _(
                "주소 검색이 설정되어 있지 않습니다. 좌표를 직접 입력하거나 그림을 눌러 위치를 고르세요."
            ),
            code="geocoder_disabled",
        )
    extra = {"country_codes": "kr"} if settings.GEOCODER == "nominatim" else {}
    try:
        location = geocoder.geocode(query, exactly_one=True, **extra)
    except (GeopyError, OSError, ValueError) as exc:
        logger.info("geocoder unreachable: %s", exc)
        raise InvalidInput(
            _(
                "주소 검색 서비스에 연결할 수 없습니다. 좌표를 직접 입력하거나 그림을 눌러 위치를 고르세요."
            ),
            code="geocoder_unavailable",
        ) from None
    if location is None:
        raise InvalidInput(
            _("주소를 찾지 못했습니다. 좌표를 직접 입력하거나 그림을 눌러 위치를 고르세요."),
            code="address_not_found",
        )
    return Geocoded(
        float(location.latitude),
        float(location.longitude),
        str(getattr(location, "address", "") or query)[:200],
    )
