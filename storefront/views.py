"""Customer pages: near me, the shop page (the link people share), a listing's own page,
and their link-preview images."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from livestock import selectors as stock_selectors
from livestock.models import Listing
from pickup import selectors as pickup_selectors
from pickup.clients import remember_device
from reviews import selectors as review_selectors
from shops import area_map, sharing
from shops.api_schemas import rendered_error
from shops.areas import NEIGHBOURHOODS, neighbourhood
from shops.errors import InvalidInput
from shops.models import Shop
from shops.selectors import (
    open_status,
    opening_hours_specification,
    service_area,
    shop_by_slug,
)
from shops.services import parse_point
from storefront import nearby, previews
from storefront.structured_data import json_ld_script, shop_json_ld

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


IMMUTABLE_CACHE = "public, max-age=31536000, immutable"
# An image URL for a count that is no longer current gets today's image, briefly cached.
STALE_IMAGE_CACHE = "public, max-age=300"


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
        area_map.MapMarker(
            label=p["name"],
            lat=p["lat"],
            lng=p["lng"],
            kind="counter" if p["is_shop_counter"] else "point",
            number=str(i),
        )
        for i, p in enumerate(points, start=1)
    ]
    if near is not None:
        markers.append(
            area_map.MapMarker(label=_("내 위치"), lat=near[0], lng=near[1], kind="customer")
        )
    area = service_area(shop)
    return area_map.render_area_svg(
        area, markers, title=_("%(shop)s 픽업 지점 지도") % {"shop": shop.name}, width_px=280
    )


def _share_context(
    request: HttpRequest,
    shop: Shop,
    version: int,
    listings: Sequence[Listing],
    listing: Listing | None = None,
    stars: str = "",
) -> dict[str, Any]:
    """Everything the Open Graph tags and the share sheet need; ``stars`` ("★4.8 (126)",
    the shop page's) leads the description and is drawn in the shop's preview image."""
    page_path = listing_path(shop, listing) if listing is not None else shop.get_absolute_url()
    canonical = request.build_absolute_uri(page_path)
    preview = previews.build_preview(shop, listings, listing, rating=stars)
    texts = previews.share_texts(shop, listings, listing)
    if stars:
        texts = {**texts, "description": f"{stars} · {texts['description']}"}
    links = {channel: sharing.share_url(canonical, channel) for channel in sharing.SHARE_CHANNELS}
    return {
        **texts,
        "url": canonical,
        "image_url": request.build_absolute_uri(
            previews.image_path(shop, version, preview, listing)
        ),
        "image_alt": texts["title"],
        "links": links,
        "naver_url": sharing.naver_share_url(links["naver"], texts["title"]),
        "kakao_key": settings.KAKAO_JS_KEY,
        "kakao_sdk_url": settings.KAKAO_JS_SDK_URL,
        "kakao_sdk_integrity": settings.KAKAO_JS_SDK_INTEGRITY,
    }


def listing_path(shop: Shop, listing: Listing) -> str:
    return reverse("shops:listing_page", kwargs={"slug": shop.slug, "listing_id": listing.pk})


def _allow_kakao_sdk(response: HttpResponse) -> HttpResponse:
    """Open the CSP to Kakao's SDK host on this response only, and only when a key is set."""
    if settings.KAKAO_JS_KEY:
        parts = urlsplit(settings.KAKAO_JS_SDK_URL)
        response._csp_update = {  # read by django-csp's middleware
            "script-src": [f"{parts.scheme}://{parts.netloc}"],
            "connect-src": list(settings.KAKAO_CONNECT_HOSTS),
        }
    return response


def shop_page(request: HttpRequest, slug: str) -> HttpResponse:
    shop = shop_by_slug(slug)
    if shop is None:
        raise Http404("shop")
    version = stock_selectors.current_version(shop.pk) or 0
    listings = list(stock_selectors.active_listings(shop.pk))
    near, _label, _error = _location(request)
    pickup_points = pickup_selectors.public_pickup_points(shop, near)
    summary = review_selectors.shop_summary(shop)
    photos_only = request.GET.get("reviews") == "photo"
    reviews = review_selectors.shop_reviews(shop, photos_only=photos_only)
    recent = reviews if not photos_only else review_selectors.shop_reviews(shop)
    canonical = request.build_absolute_uri(shop.get_absolute_url())
    response = render(
        request,
        "shops/shop_page.html",
        {
            "shop": shop,
            "version": version,
            "listings": listings,
            "pickup_points": pickup_points,
            "pickup_near": near,
            "pickup_map": mark_safe(pickup_map(shop, pickup_points, near)),  # noqa: S308
            "share": _share_context(request, shop, version, listings, stars=summary.stars),
            "review_summary": summary,
            "reviews": reviews,
            "photos_only": photos_only,
            "review_filter_url": shop.get_absolute_url(),
            "hours": open_status(shop),
            "json_ld": json_ld_script(
                shop_json_ld(
                    shop,
                    canonical,
                    summary,
                    recent,
                    opening_hours=opening_hours_specification(shop, timezone.localdate()),
                )
            ),
        },
    )
    sharing.note_visit(request, response, shop)
    remember_device(request, response)  # for the reserve form's "1인 최대" count
    return _allow_kakao_sdk(response)


def listing_page(request: HttpRequest, slug: str, listing_id: int) -> HttpResponse:
    shop = shop_by_slug(slug)
    if shop is None:
        raise Http404("shop")
    listing = stock_selectors.shop_listing(shop.pk, listing_id)
    if listing is None:
        raise Http404("listing")
    version = stock_selectors.current_version(shop.pk) or 0
    listings = list(stock_selectors.active_listings(shop.pk))
    response = render(
        request,
        "shops/listing_page.html",
        {
            "shop": shop,
            "listing": listing,
            "version": version,
            "share": _share_context(request, shop, version, listings, listing),
            "on_listing_page": True,
            "review_summary": review_selectors.listing_summary(listing.pk),
            "reviews": review_selectors.listing_reviews(listing.pk),
        },
    )
    sharing.note_visit(request, response, shop)
    remember_device(request, response)
    return _allow_kakao_sdk(response)


def png_response(request: HttpRequest, png: bytes, etag: str, *, current: bool) -> HttpResponse:
    cache_control = IMMUTABLE_CACHE if current else STALE_IMAGE_CACHE
    if etag in request.headers.get("If-None-Match", ""):
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(png, content_type="image/png")
        response["Content-Length"] = str(len(png))
    response["ETag"] = etag
    response["Cache-Control"] = cache_control
    return response


def cached_image_response(
    request: HttpRequest, slug: str, listing_id: int | None, version: int, digest: str
) -> HttpResponse | None:
    """The image for exactly this URL when it is in the cache; no database involved.
    Also called by ``PreviewImageCacheMiddleware`` ahead of the rest of the stack."""
    png = previews.cached_png(slug, listing_id, version, digest)
    if png is None:
        return None
    return png_response(request, png, f'"{version}-{digest}"', current=True)


def _preview_image(
    request: HttpRequest, slug: str, version: str, digest: str, listing_id: int | None
) -> HttpResponse:
    """The preview drawn for ``version``; an old or unknown version gets the current one
    (short-lived) so a preview never breaks."""
    version_number = int(version)
    cached = cached_image_response(request, slug, listing_id, version_number, digest)
    if cached is not None:
        return cached
    shop = shop_by_slug(slug)
    if shop is None:
        raise Http404("shop")
    listing = None
    if listing_id is not None:
        listing = stock_selectors.shop_listing(shop.pk, listing_id)
        if listing is None:
            raise Http404("listing")
    image = previews.current_image(shop, listing)
    current = image.version == version_number and image.digest == digest
    return png_response(request, image.png, f'"{image.version}-{image.digest}"', current=current)


def og_image(request: HttpRequest, slug: str, version: str, digest: str) -> HttpResponse:
    return _preview_image(request, slug, version, digest, None)


def listing_og_image(
    request: HttpRequest, slug: str, listing_id: str, version: str, digest: str
) -> HttpResponse:
    return _preview_image(request, slug, version, digest, int(listing_id))


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if request.path.startswith("/api/"):
        return rendered_error(404, "not_found", _("찾을 수 없습니다."))
    return TemplateResponse(request, "404.html", status=404).render()


def server_error(request: HttpRequest) -> HttpResponse:
    if request.path.startswith("/api/"):
        return rendered_error(500, "server_error", _("서버 오류가 발생했습니다."))
    return render(request, "500.html", status=500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form sent without a valid security token: a page left open for a long time, or an
    in-app browser that keeps no cookies. Said in the site's language, with the way back to
    the page the form was on, instead of Django's technical page."""
    referer = request.META.get("HTTP_REFERER", "")
    same_site = url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    back = urlsplit(referer)._replace(scheme="", netloc="").geturl() if same_site else "/"
    return TemplateResponse(request, "403_csrf.html", {"back": back or "/"}, status=403).render()
