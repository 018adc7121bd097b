"""Customer pages: near me and the shop page (the link people share)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.response import TemplateResponse

from livestock import selectors as stock_selectors
from pickup import selectors as pickup_selectors
from shops.models import Shop
from shops.selectors import shop_by_slug


def near_me(request: HttpRequest) -> HttpResponse:
    shops = Shop.objects.filter(is_active=True).order_by("name")[:50]
    return render(request, "shops/near_me.html", {"shops": shops})


def shop_page(request: HttpRequest, slug: str) -> HttpResponse:
    shop = shop_by_slug(slug)
    if shop is None:
        raise Http404("shop")
    version = stock_selectors.current_version(shop.pk) or 0
    listings = list(stock_selectors.active_listings(shop.pk))
    return render(
        request,
        "shops/shop_page.html",
        {
            "shop": shop,
            "version": version,
            "listings": listings,
            "pickup_points": pickup_selectors.public_pickup_points(shop),
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
