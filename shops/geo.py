"""Service-area geometry: pure functions, no Django.

A shop's service area is the geodesic circle of ``radius_m`` around the shop intersected with
an optional owner-drawn GeoJSON polygon. Geometry is worked out in an azimuthal equidistant
frame centred on the shop (x east, y north, metres): in that frame the geodesic distance from
the shop *is* the distance from the origin, so the geodesic circle is an exact circle and
"inside the radius" is decided by the WGS-84 geodesic distance itself, never by a polygonised
approximation of the circle. The polygon follows GeoJSON (RFC 7946): edges are straight lines
in longitude/latitude, tested with shapely.

Distances for single points come from geopy's ``geodesic`` (Karney's algorithm). For many
points at once (the nearby search) a vectorised Vincenty inverse in numpy gives the same
distances to well under a millimetre at these ranges; tests check both against geopy.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import shapely
from geopy.distance import geodesic
from shapely.geometry import Point, Polygon
from shapely.geometry.base import BaseGeometry

MIN_RADIUS_M = 300
MAX_RADIUS_M = 20_000
MAX_POLYGON_VERTICES = 1000
MAX_POLYGON_TEXT = 200_000
MAX_NUMBER_TEXT = 40

# WGS-84
WGS84_A = 6_378_137.0
WGS84_F = 1 / 298.257223563
WGS84_B = WGS84_A * (1 - WGS84_F)
# The shortest degree of latitude (at the equator) and of longitude at the equator, so boxes
# built from them always contain the true circle.
MIN_M_PER_DEG_LAT = 110_574.0
M_PER_DEG_LNG_EQUATOR = 111_320.0


# Latitude bands (≈5.5 km) that lead the nearby index, so a search reads only the few bands a
# 20 km reach can touch and, within each, a longitude range.
LAT_BAND_DEG = 0.05


def lat_band(lat: float) -> int:
    return math.floor(lat / LAT_BAND_DEG)


class GeoError(ValueError):
    """Bad geometry input. ``code`` is stable; the caller turns it into a sentence."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


# --- parsing -----------------------------------------------------------------------------


def parse_number(value: Any, field: str) -> float:
    """A finite float from a JSON number or a short numeric string; anything else is refused."""
    if isinstance(value, bool) or value is None:
        raise GeoError("not_a_number", field=field)
    if isinstance(value, str):
        text = value.strip()
        if not text or len(text) > MAX_NUMBER_TEXT:
            raise GeoError("not_a_number", field=field)
        try:
            number = float(text)
        except ValueError:
            raise GeoError("not_a_number", field=field) from None
    elif isinstance(value, (int, float)):
        try:
            number = float(value)
        except (OverflowError, ValueError):
            raise GeoError("not_a_number", field=field) from None
    else:
        raise GeoError("not_a_number", field=field)
    if not math.isfinite(number):
        raise GeoError("not_finite", field=field)
    return number


def parse_point(lat: Any, lng: Any) -> tuple[float, float]:
    """``(lat, lng)`` in degrees, each finite and within range."""
    lat_f = parse_number(lat, "lat")
    lng_f = parse_number(lng, "lng")
    if not -90.0 <= lat_f <= 90.0:
        raise GeoError("lat_range", field="lat")
    if not -180.0 <= lng_f <= 180.0:
        raise GeoError("lng_range", field="lng")
    return lat_f, lng_f


def parse_radius(value: Any) -> int:
    number = parse_number(value, "radius")
    if number != int(number):
        raise GeoError("radius_not_integer", low=MIN_RADIUS_M, high=MAX_RADIUS_M)
    radius = int(number)
    if not MIN_RADIUS_M <= radius <= MAX_RADIUS_M:
        raise GeoError("radius_range", low=MIN_RADIUS_M, high=MAX_RADIUS_M)
    return radius


def _position(raw: Any) -> tuple[float, float]:
    if not isinstance(raw, (list, tuple)) or len(raw) not in (2, 3):
        raise GeoError("polygon_position")
    lng, lat = raw[0], raw[1]
    for number in (lng, lat):
        if isinstance(number, bool) or not isinstance(number, (int, float)):
            raise GeoError("polygon_position")
        if not math.isfinite(float(number)):
            raise GeoError("polygon_position")
    lat_f, lng_f = float(lat), float(lng)
    if not (-90.0 <= lat_f <= 90.0 and -180.0 <= lng_f <= 180.0):
        raise GeoError("polygon_position")
    return lng_f, lat_f


def normalize_polygon(value: Any, shop_lat: float, shop_lng: float) -> dict[str, Any] | None:
    """A validated GeoJSON Polygon (``dict``), or None for "no polygon: the whole circle".

    Accepts a dict or JSON text; a GeoJSON Feature holding a Polygon is unwrapped. Refuses
    other geometry types, unclosed or short rings, more than ``MAX_POLYGON_VERTICES``
    positions, non-finite or out-of-range positions, self-intersections and any polygon that
    leaves the shop itself outside.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, str):
        if len(value) > MAX_POLYGON_TEXT:
            raise GeoError("polygon_too_many_vertices", limit=MAX_POLYGON_VERTICES)
        try:
            value = json.loads(value)
        except (ValueError, RecursionError):
            raise GeoError("polygon_json") from None
    if not isinstance(value, dict):
        raise GeoError("polygon_type", type=type(value).__name__)
    if value.get("type") == "Feature":
        value = value.get("geometry")
        if not isinstance(value, dict):
            raise GeoError("polygon_type", type="Feature")
    kind = value.get("type")
    if kind != "Polygon":
        raise GeoError("polygon_type", type=str(kind)[:40])
    rings_raw = value.get("coordinates")
    if not isinstance(rings_raw, list) or not rings_raw:
        raise GeoError("polygon_empty")
    total = sum(len(ring) if isinstance(ring, list) else 0 for ring in rings_raw)
    if total > MAX_POLYGON_VERTICES:
        raise GeoError("polygon_too_many_vertices", limit=MAX_POLYGON_VERTICES)
    rings: list[list[tuple[float, float]]] = []
    for ring_raw in rings_raw:
        if not isinstance(ring_raw, list) or len(ring_raw) < 4:
            raise GeoError("polygon_ring_short")
        ring = [_position(position) for position in ring_raw]
        if ring[0] != ring[-1]:
            raise GeoError("polygon_not_closed")
        rings.append(ring)
    polygon = Polygon(rings[0], rings[1:])
    if polygon.is_empty or polygon.area == 0 or not polygon.is_valid:
        raise GeoError("polygon_invalid")
    if not polygon.covers(Point(shop_lng, shop_lat)):
        raise GeoError("polygon_excludes_shop")
    return {"type": "Polygon", "coordinates": [[[lng, lat] for lng, lat in ring] for ring in rings]}


def polygon_hash(polygon: dict[str, Any] | None) -> str:
    """A short fingerprint of the polygon ('' for none), used to key cached geometries."""
    if not polygon:
        return ""
    text = json.dumps(polygon, sort_keys=True, separators=(",", ":"))
    return hashlib.sha1(text.encode()).hexdigest()[:16]


def polygon_geometry(polygon: dict[str, Any]) -> Polygon:
    rings = polygon["coordinates"]
    return Polygon([tuple(p[:2]) for p in rings[0]], [[tuple(p[:2]) for p in r] for r in rings[1:]])


# --- distances ---------------------------------------------------------------------------


def distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Geodesic distance on WGS-84 (geopy), the number shown to people."""
    return geodesic((lat1, lng1), (lat2, lng2)).meters


def destination(lat: float, lng: float, bearing_deg: float, meters: float) -> tuple[float, float]:
    point = geodesic(meters=meters).destination((lat, lng), bearing_deg)
    return point.latitude, point.longitude


def inverse_many(lat0: float, lng0: float, lats: Any, lngs: Any) -> tuple[np.ndarray, np.ndarray]:
    """Geodesic distances (m) and initial bearings (deg) from one point to many (Vincenty).

    Vectorised over numpy arrays; accurate to well under a millimetre for the separations a
    service area can have (the iteration is only slow to converge for nearly antipodal points).
    """
    lat2 = np.radians(np.asarray(lats, dtype=float))
    lon_delta = np.radians(np.asarray(lngs, dtype=float) - lng0)
    f = WGS84_F
    u1 = math.atan((1 - f) * math.tan(math.radians(lat0)))
    u2 = np.arctan((1 - f) * np.tan(lat2))
    sin_u1, cos_u1 = math.sin(u1), math.cos(u1)
    sin_u2, cos_u2 = np.sin(u2), np.cos(u2)
    lam = lon_delta
    for _ in range(50):
        sin_lam, cos_lam = np.sin(lam), np.cos(lam)
        sin_sigma = np.hypot(cos_u2 * sin_lam, cos_u1 * sin_u2 - sin_u1 * cos_u2 * cos_lam)
        cos_sigma = sin_u1 * sin_u2 + cos_u1 * cos_u2 * cos_lam
        sigma = np.arctan2(sin_sigma, cos_sigma)
        safe_sin_sigma = np.where(sin_sigma == 0, 1.0, sin_sigma)
        sin_alpha = cos_u1 * cos_u2 * sin_lam / safe_sin_sigma
        cos2_alpha = 1 - sin_alpha**2
        safe_cos2_alpha = np.where(cos2_alpha == 0, 1.0, cos2_alpha)
        cos_2sm = np.where(cos2_alpha == 0, 0.0, cos_sigma - 2 * sin_u1 * sin_u2 / safe_cos2_alpha)
        c = f / 16 * cos2_alpha * (4 + f * (4 - 3 * cos2_alpha))
        lam_next = lon_delta + (1 - c) * f * sin_alpha * (
            sigma + c * sin_sigma * (cos_2sm + c * cos_sigma * (-1 + 2 * cos_2sm**2))
        )
        done = np.all(np.abs(lam_next - lam) < 1e-12)
        lam = lam_next
        if done:
            break
    sin_lam, cos_lam = np.sin(lam), np.cos(lam)
    u_sq = cos2_alpha * (WGS84_A**2 - WGS84_B**2) / WGS84_B**2
    big_a = 1 + u_sq / 16384 * (4096 + u_sq * (-768 + u_sq * (320 - 175 * u_sq)))
    big_b = u_sq / 1024 * (256 + u_sq * (-128 + u_sq * (74 - 47 * u_sq)))
    delta_sigma = (
        big_b
        * sin_sigma
        * (
            cos_2sm
            + big_b
            / 4
            * (
                cos_sigma * (-1 + 2 * cos_2sm**2)
                - big_b / 6 * cos_2sm * (-3 + 4 * sin_sigma**2) * (-3 + 4 * cos_2sm**2)
            )
        )
    )
    meters = WGS84_B * big_a * (sigma - delta_sigma)
    bearing = np.degrees(np.arctan2(cos_u2 * sin_lam, cos_u1 * sin_u2 - sin_u1 * cos_u2 * cos_lam))
    return np.where(sin_sigma == 0, 0.0, meters), bearing


def bounding_box(lat: float, lng: float, meters: float) -> tuple[float, float, float, float]:
    """``(min_lat, max_lat, min_lng, max_lng)`` surely containing every point within ``meters``."""
    dlat = meters / MIN_M_PER_DEG_LAT * 1.01
    edge = min(89.999, abs(lat) + dlat)
    if edge >= 89.0:
        return lat - dlat, lat + dlat, -180.0, 180.0
    dlng = meters / (M_PER_DEG_LNG_EQUATOR * math.cos(math.radians(edge))) * 1.01
    return lat - dlat, lat + dlat, lng - dlng, lng + dlng


def format_distance(meters: float) -> str:
    """Walking-scale text: "80m", "950m", "1.2km", "12km"."""
    if meters < 995:
        return f"{max(10, int(round(meters / 10.0)) * 10)}m"
    if meters < 9_950:
        return f"{meters / 1000:.1f}km"
    return f"{round(meters / 1000)}km"


# --- the area ----------------------------------------------------------------------------


@dataclass(frozen=True)
class AreaCheck:
    inside: bool
    distance_m: float
    outside_polygon: bool = False


@dataclass(frozen=True)
class ServiceArea:
    lat: float
    lng: float
    radius_m: float
    polygon: dict[str, Any] | None = None

    @cached_property
    def polygon_lnglat(self) -> Polygon | None:
        if not self.polygon:
            return None
        geometry = polygon_geometry(self.polygon)
        shapely.prepare(geometry)
        return geometry

    def check(self, lat: float, lng: float) -> AreaCheck:
        meters = distance_m(self.lat, self.lng, lat, lng)
        if meters > self.radius_m:
            return AreaCheck(False, meters)
        polygon = self.polygon_lnglat
        if polygon is not None and not shapely.intersects_xy(polygon, lng, lat):
            return AreaCheck(False, meters, outside_polygon=True)
        return AreaCheck(True, meters)

    def contains(self, lat: float, lng: float) -> bool:
        return self.check(lat, lng).inside

    # The local frame: azimuthal equidistant centred on the shop, metres.

    def to_local(self, lats: Any, lngs: Any) -> tuple[np.ndarray, np.ndarray]:
        meters, bearing = inverse_many(self.lat, self.lng, lats, lngs)
        theta = np.radians(bearing)
        return meters * np.sin(theta), meters * np.cos(theta)

    def from_local(self, x: float, y: float) -> tuple[float, float]:
        return destination(self.lat, self.lng, math.degrees(math.atan2(x, y)), math.hypot(x, y))

    def local_geometry(self, quad_segs: int = 64) -> BaseGeometry:
        """Circle ∩ polygon in the local frame (metres), for drawing and area figures."""
        disk = Point(0.0, 0.0).buffer(self.radius_m, quad_segs=quad_segs)
        if not self.polygon:
            return disk
        rings = []
        for ring in self.polygon["coordinates"]:
            xs, ys = self.to_local([p[1] for p in ring], [p[0] for p in ring])
            rings.append(list(zip(xs.tolist(), ys.tolist(), strict=True)))
        local = Polygon(rings[0], rings[1:])
        if not local.is_valid:
            local = shapely.make_valid(local)
        return disk.intersection(local)

    def area_km2(self) -> float:
        return self.local_geometry().area / 1e6


def contains_many(
    lat: float,
    lng: float,
    centre_lats: Sequence[float],
    centre_lngs: Sequence[float],
    radii: Sequence[float],
    polygons: Sequence[BaseGeometry | None],
) -> tuple[np.ndarray, np.ndarray]:
    """For one point and many areas: ``(inside mask, geodesic distance to each centre)``.

    ``polygons`` holds a (preferably prepared) lng/lat shapely geometry or None per area.
    """
    if not len(centre_lats):
        return np.zeros(0, dtype=bool), np.zeros(0)
    meters, _bearing = inverse_many(lat, lng, centre_lats, centre_lngs)
    inside = meters <= np.asarray(radii, dtype=float)
    with_polygon = np.fromiter((g is not None for g in polygons), dtype=bool, count=len(polygons))
    check = inside & with_polygon
    if check.any():
        index = np.flatnonzero(check)
        geoms = np.array([polygons[i] for i in index], dtype=object)
        inside[index] = shapely.intersects_xy(geoms, lng, lat)
    return inside, meters


def metres_per_degree(lat: float) -> tuple[float, float]:
    """Local metres per degree of latitude and of longitude at ``lat`` (the ellipsoid's radii
    of curvature there)."""
    lat_rad = math.radians(lat)
    e2 = WGS84_F * (2 - WGS84_F)
    w = math.sqrt(1 - e2 * math.sin(lat_rad) ** 2)
    return (
        math.radians(1) * WGS84_A * (1 - e2) / w**3,
        math.radians(1) * WGS84_A / w * math.cos(lat_rad),
    )
