"""The installable app's pages: the service worker at /sw.js (scope /), the web app manifest,
the offline page, and "내 알림" (what this device follows, one-tap unfollow)."""

from __future__ import annotations

import json
from functools import lru_cache

from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from shops.selectors import shop_by_slug

THEME_COLOUR = "#c95f00"


@lru_cache(maxsize=1)
def _worker_source() -> str:
    path = finders.find("sw.js")
    with open(path, encoding="utf-8") as handle:
        return handle.read()


@require_GET
@cache_control(no_cache=True, max_age=0)
def service_worker(request: HttpRequest) -> HttpResponse:
    assets = [
        reverse("notify:offline"),
        static("css/app.css"),
        static("icons/icon-192.png"),
    ]
    source = _worker_source().replace("__OFFLINE_ASSETS__", json.dumps(assets), 1)
    response = HttpResponse(source, content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    return response


@require_GET
@cache_control(public=True, max_age=3600)
def manifest(request: HttpRequest) -> JsonResponse:
    """The web app manifest; ``?s=<slug>`` makes the home-screen icon open that shop."""
    shop = shop_by_slug(request.GET.get("s", "")) if request.GET.get("s") else None
    name = f"{shop.name} · 동네5km" if shop else "동네5km"
    start_url = reverse("shops:shop_page", kwargs={"slug": shop.slug}) if shop else "/"
    data = {
        "name": name,
        "short_name": shop.name[:12] if shop else "동네5km",
        "description": "동네 가게의 오늘 입고와 실시간 재고, 픽업 예약",
        "lang": "ko",
        "dir": "ltr",
        "start_url": start_url,
        "scope": "/",
        "id": start_url,
        "display": "standalone",
        "background_color": "#fafafa",
        "theme_color": THEME_COLOUR,
        "icons": [
            {"src": static("icons/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static("icons/icon-512.png"), "sizes": "512x512", "type": "image/png"},
            {
                "src": static("icons/icon-maskable-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            },
        ],
    }
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = "application/manifest+json; charset=utf-8"
    return response


@require_GET
def offline(request: HttpRequest) -> HttpResponse:
    return render(request, "notify/offline.html")


@require_GET
def my_alerts(request: HttpRequest) -> HttpResponse:
    """Filled in by static/js/notify.js from this device's subscription (only it knows its
    endpoint); without JavaScript the page says so."""
    return render(request, "notify/my_alerts.html")
