"""A tiny two-point map (pickup place and shop) drawn as SVG coordinates. No Django."""

from __future__ import annotations

import math
from dataclasses import dataclass

EARTH_RADIUS_M = 6_371_000


@dataclass(frozen=True)
class MiniMap:
    width: int
    height: int
    place: tuple[float, float]
    shop: tuple[float, float] | None
    distance_m: int
    scale_bar_px: float
    scale_bar_m: int


def _local_xy(lat: float, lng: float, lat0: float, lng0: float) -> tuple[float, float]:
    x = math.radians(lng - lng0) * EARTH_RADIUS_M * math.cos(math.radians(lat0))
    y = math.radians(lat - lat0) * EARTH_RADIUS_M
    return x, y


def _nice(meters: float) -> int:
    for step in (50, 100, 200, 500, 1000, 2000, 5000, 10000):
        if step >= meters:
            return step
    return 20000


def minimap(
    place_lat: float,
    place_lng: float,
    shop_lat: float | None = None,
    shop_lng: float | None = None,
    width: int = 320,
    height: int = 160,
    pad: int = 28,
) -> MiniMap:
    """Place at the centre; the shop where it lies relative to it, scaled to fit."""
    cx, cy = width / 2, height / 2
    if shop_lat is None or shop_lng is None:
        return MiniMap(width, height, (cx, cy), None, 0, 0.0, 0)
    dx, dy = _local_xy(shop_lat, shop_lng, place_lat, place_lng)
    distance = math.hypot(dx, dy)
    reach = max(abs(dx) / (cx - pad), abs(dy) / (cy - pad), 1.0)  # metres per pixel
    shop_xy = (cx + dx / reach, cy - dy / reach)
    bar_m = _nice(max(distance / 3, 50))
    return MiniMap(width, height, (cx, cy), shop_xy, round(distance), bar_m / reach, bar_m)
