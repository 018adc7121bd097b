"""The service-area picture: SVG markup drawn from the geometry (no database)."""

from __future__ import annotations

from shops import area_map, geo

SHOP = (37.5559, 126.9019)


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


def test_svg_picture_has_ring_polygon_markers_and_scale_bar():
    poly = square(*SHOP, 0.02)
    area = geo.ServiceArea(*SHOP, 5000, poly)
    markers = [
        area_map.MapMarker("가게 <매장>", *SHOP, kind="counter"),
        area_map.MapMarker("카페 & 빵", 37.56, 126.905, number="1"),
        area_map.MapMarker("쉬는 카페", 37.55, 126.90, kind="paused", number="2"),
    ]
    svg = area_map.render_area_svg(area, markers, title="망원 과일가게", interactive=True)
    assert svg.startswith("<svg ") and svg.endswith("</svg>")
    assert 'class="area-ring"' in svg and 'r="5000.0"' in svg
    assert 'class="area-polygon"' in svg and 'class="area-zone"' in svg
    assert svg.count('class="area-marker') == 3
    assert "가게 &lt;매장&gt;" in svg and "카페 &amp; 빵" in svg and "<매장>" not in svg
    assert 'data-scale-m="2500"' in svg and ">2.5km<" in svg
    assert "data-area-map" in svg and 'data-lat="37.5559000"' in svg
    assert "style=" not in svg and "<script" not in svg
    plain = area_map.render_area_svg(geo.ServiceArea(*SHOP, 300))
    assert 'class="area-polygon"' not in plain and "data-area-map" not in plain
    assert 'data-scale-m="100"' in plain


def test_svg_marker_positions_follow_the_local_frame():
    area = geo.ServiceArea(*SHOP, 5000)
    east = geo.destination(*SHOP, 90, 2000)
    svg = area_map.render_area_svg(area, [area_map.MapMarker("동쪽", *east)])
    assert 'cx="2000.0" cy="-0.0"' in svg or 'cx="2000.0" cy="0.0"' in svg
