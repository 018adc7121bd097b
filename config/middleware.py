"""Turn a database outage into a calm 503 instead of a traceback."""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from shops.errors import UNAVAILABLE_ERRORS

logger = logging.getLogger(__name__)


def service_unavailable_response(request: HttpRequest) -> HttpResponse:
    detail = _("잠시 서비스를 이용할 수 없습니다. 잠시 후 다시 시도해 주세요.")
    # JSON for the API and for pages' own fetches (owner.js asks for JSON and shows `detail`).
    if request.path.startswith("/api/") or "application/json" in request.headers.get("Accept", ""):
        response: HttpResponse = JsonResponse(
            {"code": "service_unavailable", "detail": detail}, status=503
        )
    else:
        try:
            body = render_to_string("503.html", {"detail": detail})
        except Exception:  # the template layer may itself need the database
            body = f"<!doctype html><meta charset=utf-8><title>503</title><p>{detail}</p>"
        response = HttpResponse(body, status=503)
    response["Retry-After"] = "5"
    return response


class ServiceUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            return self.get_response(request)
        except UNAVAILABLE_ERRORS:
            logger.exception("Database unavailable while serving %s", request.path)
            return service_unavailable_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, UNAVAILABLE_ERRORS):
            logger.warning("Database unavailable while serving %s: %s", request.path, exception)
            return service_unavailable_response(request)
        return None

