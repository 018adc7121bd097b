"""The JSON API (django-ninja), mounted at /api/ with docs at /api/docs.

Every error leaves as ``{"code": "<snake_case>", "detail": "<sentence>", ...}``.
"""

from __future__ import annotations

import logging

from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser
from ninja.renderers import JSONRenderer

from insights.api import router as insights_router
from integrations.api import router as integrations_router
from livestock.api import router as livestock_router
from notify.api import router as notify_router
from pickup.api import router as pickup_router
from reviews.api import router as reviews_router
from shops import converters  # noqa: F401  (registers {shop:…}/{token:…} before the routes)
from shops.api import router as shops_router
from shops.api_schemas import JSON_DUMPS_PARAMS
from shops.errors import UNAVAILABLE_ERRORS, DomainError
from shops.validation import parse_json
from storefront.api import router as storefront_router

logger = logging.getLogger(__name__)


class UnicodeJSONRenderer(JSONRenderer):
    json_dumps_params = JSON_DUMPS_PARAMS


class ClientJSONParser(Parser):
    """Request bodies through the one client-JSON reader (depth-limited): a body nested
    too deeply is a 400 ``malformed_json`` like any other unreadable body."""

    def parse_body(self, request: HttpRequest):
        return parse_json(request.body)


api = NinjaAPI(
    renderer=UnicodeJSONRenderer(),
    parser=ClientJSONParser(),
    title="동네5km API",
    version="1",
    description="가게의 실시간 재고, 픽업 지점, 예약을 다루는 API",
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)
api.add_router("/", storefront_router)
api.add_router("/", shops_router)
api.add_router("/", livestock_router)
api.add_router("/", pickup_router)
api.add_router("/", reviews_router)
api.add_router("/", integrations_router)
api.add_router("/", notify_router)
api.add_router("/", insights_router)

STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    422: "invalid_input",
    429: "rate_limited",
}


def _error(request: HttpRequest, status: int, code: str, detail: str, **extra) -> HttpResponse:
    return api.create_response(request, {"code": code, "detail": detail, **extra}, status=status)


@api.exception_handler(DomainError)
def on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return api.create_response(request, exc.as_dict(), status=exc.status)


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    fields = []
    for error in exc.errors:
        loc = [
            str(part)
            for part in error.get("loc", ())
            if part not in ("body", "query", "path", "payload")
        ]
        if loc:
            fields.append(".".join(loc))
    detail = _("입력값을 확인해 주세요.")
    if fields:
        detail = _("입력값을 확인해 주세요: %(fields)s") % {
            "fields": ", ".join(sorted(set(fields)))
        }
    errors = [
        {
            "loc": [str(p) for p in e.get("loc", ())],
            "msg": str(e.get("msg", "")),
            "type": e.get("type"),
        }
        for e in exc.errors
    ]
    return _error(request, 422, "invalid_input", detail, errors=errors)


@api.exception_handler(AuthenticationError)
def on_authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _error(
        request,
        401,
        "unauthorized",
        _("로그인하거나 올바른 API 토큰(Authorization: Bearer …)을 보내 주세요."),
    )


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    message = str(exc)
    if exc.status_code == 400 and message.startswith("Cannot parse request body"):
        return _error(request, 400, "malformed_json", _("요청 본문이 올바른 JSON이 아닙니다."))
    if exc.status_code == 403:
        return _error(
            request,
            403,
            "csrf_failed",
            _("보안 토큰(CSRF)이 없거나 맞지 않습니다. 페이지를 새로고침해 주세요."),
        )
    return _error(request, exc.status_code, STATUS_CODES.get(exc.status_code, "error"), message)


@api.exception_handler(RequestDataTooBig)
def on_body_too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    return _error(request, 413, "payload_too_large", _("요청 본문이 너무 큽니다."))


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, 404, "not_found", _("찾을 수 없습니다."))


@api.exception_handler(Exception)
def on_unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    if isinstance(exc, UNAVAILABLE_ERRORS):
        logger.warning("database unavailable: %s", exc)
        response = _error(
            request,
            503,
            "service_unavailable",
            _("잠시 서비스를 이용할 수 없습니다. 잠시 후 다시 시도해 주세요."),
        )
        response["Retry-After"] = "5"
        return response
    logger.exception("unexpected API error on %s", request.path)
    return _error(
        request, 500, "server_error", _("서버 오류가 발생했습니다. 잠시 후 다시 시도해 주세요.")
    )
