"""Serve cached link-preview images before sessions, locale, CSRF and CSP run.

KakaoTalk, Naver and every chat app fetch a shared link's og:image; a repeat fetch of an
image already drawn should cost what a static file costs. Only exact cache hits are
answered here; everything else (first draw, old versions, 404s) goes on to the view.
"""

from __future__ import annotations

import re

from django.http import HttpRequest, HttpResponse

from shops.converters import SLUG_PATTERN
from storefront.views import cached_image_response

IMAGE_PATH = re.compile(
    rf"^/s/(?P<slug>{SLUG_PATTERN})/(?:l/(?P<listing_id>[0-9]{{1,19}})/)?"
    r"og/(?P<version>[0-9]{1,19})-(?P<digest>[0-9a-f]{1,32})\.png$"
)


class PreviewImageCacheMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method in ("GET", "HEAD"):
            match = IMAGE_PATH.match(request.path_info)
            if match is not None:
                listing_id = match["listing_id"]
                response = cached_image_response(
                    request,
                    match["slug"],
                    int(listing_id) if listing_id else None,
                    int(match["version"]),
                    match["digest"],
                )
                if response is not None:
                    return response
        return self.get_response(request)
