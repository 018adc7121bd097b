"""Turn a database outage into a calm 503 instead of a traceback."""

from __future__ import annotations

import logging
import re

from csp.middleware import CSPMiddleware as BaseCSPMiddleware
from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import Http404, HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from shops.api_schemas import rendered_error
from shops.errors import UNAVAILABLE_ERRORS

logger = logging.getLogger(__name__)


def service_unavailable_response(request: HttpRequest) -> HttpResponse:
    detail = _("잠시 서비스를 이용할 수 없습니다. 잠시 후 다시 시도해 주세요.")
    # JSON for the API and for pages' own fetches (owner.js asks for JSON and shows `detail`).
    if request.path.startswith("/api/") or "application/json" in request.headers.get("Accept", ""):
        response = rendered_error(503, "service_unavailable", detail)
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


# Control characters no HTTP header value may hold (RFC 9110 allows HTAB, not these).
_BAD_HEADER_VALUE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


class HostileRequestMiddleware:
    """A request whose header values or query parameters hold a NUL (or, in headers, any
    control character) is a 400 before anything reads it: PostgreSQL refuses NUL in any
    text, and libraries that log requests (django-axes keeps the user agent of a failed
    sign-in) would otherwise fail with a 500."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self.hostile(request):
            return bad_request_response(request)
        return self.get_response(request)

    @staticmethod
    def hostile(request: HttpRequest) -> bool:
        for key, value in request.META.items():
            if (
                key.startswith("HTTP_")
                and isinstance(value, str)
                and _BAD_HEADER_VALUE.search(value)
            ):
                return True
        try:
            return any(
                "\x00" in key or any("\x00" in value for value in values)
                for key, values in request.GET.lists()
            )
        except Exception:  # an undecodable query string: Django answers that itself
            return False


def bad_request_response(request: HttpRequest) -> HttpResponse:
    detail = _("요청에 쓸 수 없는 문자가 들어 있습니다.")
    if request.path.startswith("/api/") or "application/json" in request.headers.get("Accept", ""):
        return rendered_error(400, "bad_request", detail)
    return HttpResponse(
        f"<!doctype html><meta charset=utf-8><title>400</title><p>{detail}</p>", status=400
    )


class CSPMiddleware(BaseCSPMiddleware):
    """django-csp, with the site's own websocket origin (``ws(s)://<host>``) added to
    ``connect-src`` on each response instead of any ``ws:``/``wss:`` host in the settings.

    ``'self'`` covers same-origin websockets only in browsers that implement CSP 3, so the
    exact origin is named: the host of this request, ``wss`` behind TLS.
    """

    def get_policy_parts(self, request, response, report_only: bool = False):
        parts = super().get_policy_parts(request, response, report_only)
        try:
            host = request.get_host()
        except DisallowedHost:
            return parts
        origin = f"{'wss' if request.is_secure() else 'ws'}://{host}"
        update = dict(parts.update or {})
        connect = update.get("connect-src") or []
        connect = [connect] if isinstance(connect, str) else list(connect)
        update["connect-src"] = [*connect, origin]
        parts.update = update
        return parts


class SiteNotFoundMiddleware:
    """With DEBUG on (``make run``), a page that raises Http404 (an unknown shop, listing or
    reservation) still shows the site's own 404 page, as it does in production, instead of
    Django's technical page; the API keeps its JSON 404s. Unmatched URLs still get Django's
    page under DEBUG, which lists the URL patterns a developer wants to see."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception):
        if isinstance(exception, Http404) and settings.DEBUG:
            from storefront.views import not_found

            return not_found(request, exception)
        return None


class ApiMethodsMiddleware:
    """A method the API does not take keeps the API's error shape: a JSON 405 naming the
    methods that path takes (django-ninja's own is a plain-text body). HEAD is answered as GET
    is, without the body (RFC 9110 §9.3.2), so a monitor or a link checker gets the status and
    headers of what a GET would return."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith("/api/"):
            return self.get_response(request)
        asked = request.method
        if asked == "HEAD":
            request.method = "GET"
        response = self.get_response(request)
        if response.status_code == 405 and not response.get("Content-Type", "").startswith(
            "application/json"
        ):
            response = method_not_allowed_response(asked or "", response.get("Allow", ""))
        if asked == "HEAD" and not response.streaming:
            response["Content-Length"] = str(len(response.content))
            response.content = b""
        return response


def method_not_allowed_response(method: str, allow: str) -> HttpResponse:
    allowed = sorted({m.strip().upper() for m in allow.split(",") if m.strip()})
    if "GET" in allowed and "HEAD" not in allowed:
        allowed = sorted([*allowed, "HEAD"])
    detail = _("이 주소에서는 %(method)s 요청을 쓸 수 없습니다. 쓸 수 있는 요청: %(allowed)s") % {
        "method": method,
        "allowed": ", ".join(allowed),
    }
    response = rendered_error(405, "method_not_allowed", detail, allowed=allowed)
    response["Allow"] = ", ".join(allowed)
    return response
