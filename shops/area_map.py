"""The offline picture of a service area, drawn as SVG markup.

shops.geo works the numbers out (the local frame, the clipped zone, distances); this module
only turns them into markup, escaping every text it is given.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from html import escape

from shapely.geometry.base import BaseGeometry

from shops.geo import ServiceArea, format_distance, metres_per_degree


@dataclass(frozen=True)
class MapMarker:
    label: str
    lat: float
    lng: float
    kind: str = "point"  # "point", "paused", "counter", "customer", "found"
    number: str = ""


NICE_SCALES = (50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10000)


def _nice_scale(span_m: float) -> int:
    target = span_m * 0.3
    best = NICE_SCALES[0]
    for step in NICE_SCALES:
        if step <= target:
            best = step
    return best


def _path(geometry: BaseGeometry, flip: bool = True) -> str:
    parts = []
    polygons: Iterable[BaseGeometry]
    if geometry.geom_type == "Polygon":
        polygons = [geometry]
    elif hasattr(geometry, "geoms"):
        polygons = [g for g in geometry.geoms if g.geom_type == "Polygon"]
    else:
        polygons = []
    for poly in polygons:
        for ring in [poly.exterior, *poly.interiors]:
            coords = list(ring.coords)
            if not coords:
                continue
            head = "M" + " L".join(f"{x:.1f} {(-y if flip else y):.1f}" for x, y in coords)
            parts.append(head + " Z")
    return " ".join(parts)


# The red of the spot a tap picks in static/js/area.js: a found address is marked the same way.
FOUND_COLOUR = "#d92d20"


def _found_marker(label: str, x: float, y: float, half: float, stroke: float) -> str:
    """A ringed red dot with its label written beside it; a place beyond the picture sits at
    its edge, in its direction."""
    edge = half - stroke * 18
    x, y = max(-edge, min(edge, x)), max(-edge, min(edge, y))
    above = y < half - stroke * 40
    ty = -y - stroke * 22 if above else -y + stroke * 32
    anchor = "start" if x < -half / 3 else ("end" if x > half / 3 else "middle")
    return (
        f'<circle cx="{x:.1f}" cy="{-y:.1f}" r="{stroke * 16:.1f}" fill="none" '
        f'stroke="{FOUND_COLOUR}" stroke-width="{stroke * 3:.1f}"/>'
        f'<circle cx="{x:.1f}" cy="{-y:.1f}" r="{stroke * 7:.1f}" fill="{FOUND_COLOUR}" '
        f'stroke="#fff" stroke-width="{stroke * 2:.1f}"/>'
        f'<text x="{x:.1f}" y="{ty:.1f}" font-size="{stroke * 13:.1f}" text-anchor="{anchor}" '
        f'fill="{FOUND_COLOUR}" font-weight="700" stroke="#fff" stroke-width="{stroke * 3:.1f}" '
        f'paint-order="stroke">{escape(label)}</text>'
    )


def render_area_svg(
    area: ServiceArea,
    markers: Sequence[MapMarker] = (),
    *,
    title: str = "",
    width_px: int = 320,
    interactive: bool = False,
    scale_label: str = "",
) -> str:
    """An offline picture of the area: ring, polygon, shop, markers and a scale bar.

    The viewBox is in local metres (y flipped so north is up). With ``interactive`` the
    ``<svg>`` carries the centre and metres-per-degree so a click can be turned into
    coordinates in the browser (the server re-checks them exactly).
    """
    r = float(area.radius_m)
    pad = r * 0.12
    half = r + pad
    box = f"{-half:.1f} {-half:.1f} {2 * half:.1f} {2 * half:.1f}"
    scale = _nice_scale(2 * r)
    stroke = 2 * half / width_px
    m_per_deg_lat, m_per_deg_lng = metres_per_degree(area.lat)
    attrs = [
        'xmlns="http://www.w3.org/2000/svg"',
        f'viewBox="{box}"',
        f'width="{width_px}"',
        f'height="{width_px}"',
        'class="area-map"',
        'role="img"',
        f'data-radius-m="{int(r)}"',
    ]
    if interactive:
        attrs += [
            "data-area-map",
            f'data-lat="{area.lat:.7f}"',
            f'data-lng="{area.lng:.7f}"',
            f'data-m-per-deg-lat="{m_per_deg_lat:.4f}"',
            f'data-m-per-deg-lng="{m_per_deg_lng:.4f}"',
            f'data-half-m="{half:.1f}"',
        ]
    out = [f"<svg {' '.join(attrs)}>"]
    if title:
        out.append(f"<title>{escape(title)}</title>")
    out.append(
        f'<rect x="{-half:.1f}" y="{-half:.1f}" width="{2 * half:.1f}" '
        f'height="{2 * half:.1f}" fill="#f6f7f9"/>'
    )
    out.append(
        f'<circle class="area-ring" cx="0" cy="0" r="{r:.1f}" fill="none" stroke="#ff7a00" '
        f'stroke-width="{stroke * 2:.1f}" stroke-dasharray="{stroke * 6:.1f} {stroke * 4:.1f}"/>'
    )
    zone = area.local_geometry()
    if not zone.is_empty:
        out.append(
            f'<path class="area-zone" d="{_path(zone)}" fill="#ff7a00" fill-opacity="0.12" '
            f'stroke="#c95f00" stroke-width="{stroke * 1.5:.1f}" fill-rule="evenodd"/>'
        )
    if area.polygon:
        xs, ys = area.to_local(
            [p[1] for p in area.polygon["coordinates"][0]],
            [p[0] for p in area.polygon["coordinates"][0]],
        )
        points = " ".join(
            f"{x:.1f},{-y:.1f}" for x, y in zip(xs.tolist(), ys.tolist(), strict=True)
        )
        out.append(
            f'<polygon class="area-polygon" points="{points}" fill="none" stroke="#3b5bdb" '
            f'stroke-width="{stroke * 1.5:.1f}"/>'
        )
    if markers:
        xs, ys = area.to_local([m.lat for m in markers], [m.lng for m in markers])
        for marker, x, y in zip(markers, xs.tolist(), ys.tolist(), strict=True):
            colour = {
                "paused": "#9a9aa3",
                "counter": "#c95f00",
                "customer": "#12805c",
                "found": FOUND_COLOUR,
            }.get(marker.kind, "#3b5bdb")
            size = stroke * (9 if marker.kind == "counter" else 7)
            out.append(
                f'<g class="area-marker marker-{escape(marker.kind)}">'
                f"<title>{escape(marker.label)}</title>"
            )
            if marker.kind == "found":
                out.append(_found_marker(marker.label, x, y, half, stroke))
            elif marker.kind == "counter":
                out.append(
                    f'<rect x="{x - size:.1f}" y="{-y - size:.1f}" width="{2 * size:.1f}" '
                    f'height="{2 * size:.1f}" fill="{colour}" stroke="#fff" '
                    f'stroke-width="{stroke * 1.5:.1f}"/>'
                )
            else:
                out.append(
                    f'<circle cx="{x:.1f}" cy="{-y:.1f}" r="{size:.1f}" fill="{colour}" '
                    f'stroke="#fff" stroke-width="{stroke * 1.5:.1f}"/>'
                )
            if marker.number:
                out.append(
                    f'<text x="{x:.1f}" y="{-y + size * 0.45:.1f}" font-size="{size * 1.3:.1f}" '
                    f'text-anchor="middle" fill="#fff" font-weight="700">'
                    f"{escape(marker.number)}</text>"
                )
            out.append("</g>")
    x0 = -half + pad * 0.5
    y0 = half - pad * 0.45
    label = scale_label or format_distance(scale)
    out.append(
        f'<g class="area-scale"><line x1="{x0:.1f}" y1="{y0:.1f}" x2="{x0 + scale:.1f}" '
        f'y2="{y0:.1f}" stroke="#1d1d1f" stroke-width="{stroke * 2.5:.1f}"/>'
        f'<text x="{x0:.1f}" y="{y0 - stroke * 6:.1f}" font-size="{stroke * 13:.1f}" '
        f'fill="#1d1d1f" data-scale-m="{scale}">{escape(label)}</text></g>'
    )
    out.append("</svg>")
    return "".join(out)
