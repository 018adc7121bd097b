"""길찾기 links to Naver Map and Kakao Map and call links (plain Python, no Django).

Public URL forms that open the web map or the app and need no SDK key: Kakao's
``/link/to/<name>,<lat>,<lng>`` (directions to a point) and Naver's route page with the
destination's coordinates and name.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlencode


def kakao_directions(name: str, lat: float, lng: float) -> str:
    label = quote((name or "").replace(",", " ").strip() or "도착", safe="")
    return f"https://map.kakao.com/link/to/{label},{lat:.6f},{lng:.6f}"


def naver_directions(name: str, lat: float, lng: float) -> str:
    query = urlencode(
        {"menu": "route", "elat": f"{lat:.6f}", "elng": f"{lng:.6f}", "etext": name or ""}
    )
    return f"https://map.naver.com/index.nhn?{query}"


def tel_href(phone: str | None) -> str:
    """ "02-332-0000" → "tel:02-332-0000"; "" when there is no number to call."""
    digits = re.sub(r"[^\d+]", "", phone or "")
    if len(digits.lstrip("+")) < 7:
        return ""
    return f"tel:{digits}"
