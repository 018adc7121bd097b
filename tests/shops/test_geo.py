"""The service-area geometry, tested directly (no database)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shops import geo

SHOP = (37.5559, 126.9019)

korea_lat = st.floats(min_value=33.0, max_value=38.7)
korea_lng = st.floats(min_value=124.5, max_value=131.0)
radius = st.integers(min_value=geo.MIN_RADIUS_M, max_value=geo.MAX_RADIUS_M)
bearing = st.floats(min_value=0.0, max_value=360.0, exclude_max=True)


def square(lat: float, lng: float, half_deg: float) -> dict:
    return {
        "type": "Polygon",
        "coordinates": [
            [
                [lng - half_deg, lat - half_deg],
                [lng + half_deg, lat - half_deg],
                [lng + half_deg, lat + half_deg],
                [lng - half_deg, lat + half_deg],
                [lng - half_deg, lat - half_deg],
            ]
        ],
    }


# --- the boundary, as properties -----------------------------------------------------------


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lat=korea_lat, lng=korea_lng, r=radius, b=bearing)
def test_in_out_agrees_with_geodesic_distance_at_the_boundary(lat, lng, r, b):
    area = geo.ServiceArea(lat, lng, r)
    inner = geo.destination(lat, lng, b, r - 1)
    outer = geo.destination(lat, lng, b, r + 1)
    assert area.contains(*inner)
    assert not area.contains(*outer)
    # The vectorised test used by the nearby search decides the same way.
    for point, expected in ((inner, True), (outer, False)):
        inside, meters = geo.contains_many(point[0], point[1], [lat], [lng], [r], [None])
        assert bool(inside[0]) is expected
        assert abs(meters[0] - geo.distance_m(lat, lng, *point)) < 0.001


@settings(max_examples=200, deadline=None)
@given(lat=korea_lat, lng=korea_lng, r=radius, b=bearing, frac=st.floats(0.0, 1.5))
def test_vectorised_distance_matches_geopy(lat, lng, r, b, frac):
    point = geo.destination(lat, lng, b, r * frac)
    meters, azimuth = geo.inverse_many(lat, lng, [point[0]], [point[1]])
    assert abs(meters[0] - geo.distance_m(lat, lng, *point)) < 0.001
    if r * frac > 1:
        assert abs(((azimuth[0] - b + 180) % 360) - 180) < 1e-5


@settings(max_examples=100, deadline=None)
@given(lat=korea_lat, lng=korea_lng, r=radius, b=bearing)
def test_polygon_edge_decides_inside_the_circle(lat, lng, r, b):
    """A polygon that cuts the circle: points beyond it are out although within the radius."""
    half = r / 2 / 111_000  # a square well inside the circle on every side
    area = geo.ServiceArea(lat, lng, r, geo.normalize_polygon(square(lat, lng, half), lat, lng))
    far = geo.destination(lat, lng, b, r * 0.9)  # outside the square, inside the radius
    near = geo.destination(lat, lng, b, r * 0.2)  # inside both
    assert area.contains(*near)
    check = area.check(*far)
    assert not check.inside and check.outside_polygon


@settings(max_examples=100, deadline=None)
@given(lat=korea_lat, lng=korea_lng, r=radius, b=bearing, frac=st.floats(0.0, 0.999))
def test_local_frame_round_trip(lat, lng, r, b, frac):
    area = geo.ServiceArea(lat, lng, r)
    point = geo.destination(lat, lng, b, r * frac)
    xs, ys = area.to_local([point[0]], [point[1]])
    assert math.hypot(xs[0], ys[0]) <= r
    back = area.from_local(xs[0], ys[0])
    assert geo.distance_m(*point, *back) < 0.01


# --- examples ---------------------------------------------------------------------------


def test_local_frame_is_metric_and_north_up():
    area = geo.ServiceArea(*SHOP, 5000)
    north = geo.destination(*SHOP, 0, 1000)
    east = geo.destination(*SHOP, 90, 2000)
    xs, ys = area.to_local([north[0], east[0]], [north[1], east[1]])
    assert xs[0] == pytest.approx(0, abs=0.01) and ys[0] == pytest.approx(1000, abs=0.01)
    assert xs[1] == pytest.approx(2000, abs=0.01) and ys[1] == pytest.approx(0, abs=0.05)


def test_area_figures_for_a_plain_circle_and_a_cut_one():
    circle = geo.ServiceArea(*SHOP, 5000)
    assert circle.area_km2() == pytest.approx(math.pi * 25, rel=1e-3)
    half_plane = {
        "type": "Polygon",
        "coordinates": [
            [
                [126.80, SHOP[0] - 0.001],
                [127.00, SHOP[0] - 0.001],
                [127.00, 37.70],
                [126.80, 37.70],
                [126.80, SHOP[0] - 0.001],
            ]
        ],
    }
    cut = geo.ServiceArea(*SHOP, 5000, geo.normalize_polygon(half_plane, *SHOP))
    assert math.pi * 25 / 2 < cut.area_km2() < math.pi * 25 * 0.56


@pytest.mark.parametrize(
    "value, expected",
    [
        (37.5, 37.5),
        ("37.5", 37.5),
        (" 126.9 ", 126.9),
        (0, 0.0),
    ],
)
def test_parse_number_accepts_numbers_and_short_numeric_text(value, expected):
    assert geo.parse_number(value, "lat") == expected


@pytest.mark.parametrize(
    "value, code",
    [
        ("nan", "not_finite"),
        (float("nan"), "not_finite"),
        ("inf", "not_finite"),
        (float("-inf"), "not_finite"),
        ("abc", "not_a_number"),
        ("", "not_a_number"),
        ("1" * 10_000, "not_a_number"),
        (True, "not_a_number"),
        (None, "not_a_number"),
        ([37.5], "not_a_number"),
        ({"lat": 1}, "not_a_number"),
        (10**400, "not_a_number"),
    ],
)
def test_parse_number_refuses_the_rest(value, code):
    with pytest.raises(geo.GeoError) as excinfo:
        geo.parse_number(value, "lat")
    assert excinfo.value.code == code


@pytest.mark.parametrize(
    "lat, lng, code",
    [
        (90.0001, 127, "lat_range"),
        (-91, 127, "lat_range"),
        (37, 180.5, "lng_range"),
        (37, -181, "lng_range"),
    ],
)
def test_parse_point_range(lat, lng, code):
    with pytest.raises(geo.GeoError) as excinfo:
        geo.parse_point(lat, lng)
    assert excinfo.value.code == code


@pytest.mark.parametrize(
    "value, code",
    [
        (299, "radius_range"),
        (20_001, "radius_range"),
        (-5, "radius_range"),
        (500.5, "radius_not_integer"),
        ("nan", "not_finite"),
        ("5km", "not_a_number"),
    ],
)
def test_parse_radius(value, code):
    with pytest.raises(geo.GeoError) as excinfo:
        geo.parse_radius(value)
    assert excinfo.value.code == code
    assert geo.parse_radius("5000") == 5000 and geo.parse_radius(300) == 300


def test_normalize_polygon_accepts_polygon_feature_and_json_text():
    poly = square(*SHOP, 0.01)
    assert geo.normalize_polygon(poly, *SHOP) == poly
    assert geo.normalize_polygon(json.dumps(poly), *SHOP) == poly
    assert (
        geo.normalize_polygon({"type": "Feature", "geometry": poly, "properties": {}}, *SHOP)
        == poly
    )
    assert geo.normalize_polygon(None, *SHOP) is None
    assert geo.normalize_polygon("  ", *SHOP) is None


def _ring(points):
    return {"type": "Polygon", "coordinates": [points]}


BOWTIE = _ring(
    [[126.89, 37.55], [126.91, 37.56], [126.91, 37.55], [126.89, 37.56], [126.89, 37.55]]
)


@pytest.mark.parametrize(
    "value, code",
    [
        ("{not json", "polygon_json"),
        ([1, 2, 3], "polygon_type"),
        ({"type": "Point", "coordinates": [126.9, 37.5]}, "polygon_type"),
        ({"type": "MultiPolygon", "coordinates": []}, "polygon_type"),
        ({"type": "Feature", "geometry": None}, "polygon_type"),
        ({"type": "Polygon", "coordinates": []}, "polygon_empty"),
        ({"type": "Polygon", "coordinates": "abc"}, "polygon_empty"),
        (_ring([[126.89, 37.55], [126.91, 37.55], [126.89, 37.55]]), "polygon_ring_short"),
        (
            _ring([[126.89, 37.55], [126.91, 37.55], [126.91, 37.56], [126.89, 37.56]]),
            "polygon_not_closed",
        ),
        (
            _ring(
                [
                    [126.89, 37.55],
                    [126.91, float("nan")],
                    [126.91, 37.56],
                    [126.89, 37.56],
                    [126.89, 37.55],
                ]
            ),
            "polygon_position",
        ),
        (
            _ring(
                [
                    [126.89, 37.55],
                    [226.91, 37.55],
                    [126.91, 37.56],
                    [126.89, 37.56],
                    [126.89, 37.55],
                ]
            ),
            "polygon_position",
        ),
        (
            _ring(
                [[126.89, 37.55], ["x", 37.55], [126.91, 37.56], [126.89, 37.56], [126.89, 37.55]]
            ),
            "polygon_position",
        ),
        (
            _ring(
                [[126.89, 37.55], [True, 37.55], [126.91, 37.56], [126.89, 37.56], [126.89, 37.55]]
            ),
            "polygon_position",
        ),
        (BOWTIE, "polygon_invalid"),
        (
            _ring([[126.89, 37.55], [126.90, 37.55], [126.91, 37.55], [126.89, 37.55]]),
            "polygon_invalid",
        ),
        (square(37.60, 126.95, 0.01), "polygon_excludes_shop"),
    ],
)
def test_normalize_polygon_refuses_bad_geojson(value, code):
    with pytest.raises(geo.GeoError) as excinfo:
        geo.normalize_polygon(value, *SHOP)
    assert excinfo.value.code == code


def test_normalize_polygon_caps_vertices_and_text_size():
    n = geo.MAX_POLYGON_VERTICES + 1
    ring = [
        [
            SHOP[1] + 0.01 * math.cos(2 * math.pi * i / n),
            SHOP[0] + 0.01 * math.sin(2 * math.pi * i / n),
        ]
        for i in range(n)
    ]
    ring.append(ring[0])
    with pytest.raises(geo.GeoError) as excinfo:
        geo.normalize_polygon(_ring(ring), *SHOP)
    assert excinfo.value.code == "polygon_too_many_vertices"
    with pytest.raises(geo.GeoError) as excinfo:
        geo.normalize_polygon(" " * (geo.MAX_POLYGON_TEXT + 1) + "{}", *SHOP)
    assert excinfo.value.code == "polygon_too_many_vertices"
    allowed = ring[: geo.MAX_POLYGON_VERTICES - 1] + [ring[0]]
    assert geo.normalize_polygon(_ring(allowed), *SHOP) is not None


def test_polygon_hash_is_stable_and_empty_without_polygon():
    poly = square(*SHOP, 0.01)
    assert geo.polygon_hash(None) == ""
    assert geo.polygon_hash(poly) == geo.polygon_hash(json.loads(json.dumps(poly)))
    assert geo.polygon_hash(poly) != geo.polygon_hash(square(*SHOP, 0.02))


def test_bounding_box_contains_the_whole_circle():
    for lat in (33.0, 37.5, 38.7):
        box = geo.bounding_box(lat, 127.0, 20_000)
        for b in range(0, 360, 5):
            p = geo.destination(lat, 127.0, b, 20_000)
            assert box[0] < p[0] < box[1] and box[2] < p[1] < box[3]


@pytest.mark.parametrize(
    "meters, text",
    [
        (4, "10m"),
        (84, "80m"),
        (994, "990m"),
        (1000, "1.0km"),
        (1234, "1.2km"),
        (9_940, "9.9km"),
        (12_345, "12km"),
    ],
)
def test_format_distance(meters, text):
    assert geo.format_distance(meters) == text


def test_contains_many_mixes_circles_and_polygons():
    shapes = [None, geo.polygon_geometry(square(*SHOP, 0.001)), None]
    lats, lngs = [SHOP[0], SHOP[0], 37.70], [SHOP[1], SHOP[1], 127.2]
    point = geo.destination(*SHOP, 45, 500)
    inside, meters = geo.contains_many(point[0], point[1], lats, lngs, [5000, 5000, 5000], shapes)
    assert inside.tolist() == [True, False, False]
    assert meters[0] == pytest.approx(500, abs=0.001)
    empty_inside, _ = geo.contains_many(point[0], point[1], [], [], [], [])
    assert empty_inside.size == 0


def test_inverse_many_handles_the_centre_itself():
    meters, _azimuth = geo.inverse_many(*SHOP, np.array([SHOP[0]]), np.array([SHOP[1]]))
    assert meters[0] == 0.0
