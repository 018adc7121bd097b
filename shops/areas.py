"""Neighbourhoods a customer can pick on "near me" when they do not share their location."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Neighbourhood:
    key: str
    label: str
    lat: float
    lng: float


NEIGHBOURHOODS = [
    Neighbourhood("mangwon", _("마포구 망원동"), 37.5565, 126.9045),
    Neighbourhood("yeonnam", _("마포구 연남동"), 37.5640, 126.9235),
    Neighbourhood("hapjeong", _("마포구 합정동"), 37.5495, 126.9140),
    Neighbourhood("seogyo", _("마포구 서교동"), 37.5545, 126.9195),
    Neighbourhood("seongsan", _("마포구 성산동"), 37.5665, 126.9105),
    Neighbourhood("sangam", _("마포구 상암동"), 37.5775, 126.8905),
    Neighbourhood("sinchon", _("서대문구 신촌동"), 37.5600, 126.9420),
    Neighbourhood("yeouido", _("영등포구 여의도동"), 37.5255, 126.9245),
]


def neighbourhood(key: str | None) -> Neighbourhood | None:
    return next((n for n in NEIGHBOURHOODS if n.key == key), None)
