"""Customer pages: near me and the shop page (the link people share)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.response import TemplateResponse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from livestock import selectors as stock_selectors
from pickup import selectors as pickup_selectors
from shops import geo, nearby
from shops.areas import NEIGHBOURHOODS, neighbourhood
from shops.errors import InvalidInput
from shops.selectors import shop_by_slug
from shops.services import parse_point

TOP_LISTINGS = 3
LIVE_SHOPS = 10


def _location(request: HttpRequest) -> tuple[tuple[float, float] | None, str, str]:
    """``(point, label, error)`` from ``?lat=&lng=`` or ``?area=<neighbourhood>``."""
    lat, lng = request.GET.get("lat", ""), request.GET.get("lng", "")
    if lat.strip() or lng.strip():
        try:
            point = parse_point(lat, lng)
        except InvalidInput as exc:
            return None, "", exc.detail
        return point, _("내 위치 (%(lat).4f, %(lng).4f)") % {"lat": point[0], "lng": point[1]}, ""
    key = request.GET.get("area", "")
    if key:
        place = neighbourhood(key)
        if place is None:
            return None, "", _("목록에 있는 동네를 골라 주세요.")
        return (place.lat, place.lng), str(place.label), ""
    return None, "", ""


def near_me(request: HttpRequest) -> HttpResponse:
    point, label, error = _location(request)
    results = nearby.near_me(*point) if point else []
    for index, shop in enumerate(results):
        shop["top_listings"] = shop["listings"][:TOP_LISTINGS]
        shop["live"] = index < LIVE_SHOPS
    return render(
        request,
        "shops/near_me.html",
        {
            "point": point,
            "location_label": label,
            "error": error,
            "results": results,
            "neighbourhoods": NEIGHBOURHOODS,
            "chosen_area": request.GET.get("area", ""),
            "lat": request.GET.get("lat", "")[:40],
            "lng": request.GET.get("lng", "")[:40],
        },
        status=400 if error else 200,
    )


def pickup_map(shop, points: list[dict], near: tuple[float, float] | None) -> str:
    markers = [
        geo.MapMarker(label=p["name"], lat=p["lat"], lng=p["lng"],
                      kind="counter" if p["is_shop_counter"] else "point", number=str(i))
        for i, p in enumerate(points, start=1)
    ]
    if near is not None:
        markers.append(geo.MapMarker(label=_("내 위치"), lat=near[0], lng=near[1], kind="customer"))
    area = geo.ServiceArea(shop.lat, shop.lng, shop.service_radius_m, shop.service_polygon)
    return geo.render_area_svg(area, markers, title=_("%(shop)s 픽업 지점 지도") % {"shop": shop.name},
                               width_px=280)


def shop_page(request: HttpRequest, slug: str) -> HttpResponse:
    shop = shop_by_slug(slug)
    if shop is None:
        raise Http404("shop")
    version = stock_selectors.current_version(shop.pk) or 0
    listings = list(stock_selectors.active_listings(shop.pk))
    near, _label, _error = _location(request)
    pickup_points = pickup_selectors.public_pickup_points(shop, near)
    return render(
        request,
        "shops/shop_page.html",
        {
            "shop": shop,
            "version": version,
            "listings": listings,
            "pickup_points": pickup_points,
            "pickup_near": near,
            "pickup_map": mark_safe(pickup_map(shop, pickup_points, near)),  # noqa: S308
        },
    )


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if request.path.startswith("/api/"):
        from django.http import JsonResponse

        return JsonResponse({"code": "not_found", "detail": "찾을 수 없습니다."}, status=404)
    return TemplateResponse(request, "404.html", status=404).render()


def server_error(request: HttpRequest) -> HttpResponse:
    if request.path.startswith("/api/"):
        from django.http import JsonResponse

        return JsonResponse(
            {"code": "server_error", "detail": "서버 오류가 발생했습니다."}, status=500
        )
    return render(request, "500.html", status=500)
