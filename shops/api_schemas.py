"""What the API's schemas share: the error body, the statuses each kind of call can give,
and the base for response bodies.

Errors are rendered by config's exception handlers, never validated against these schemas:
declaring them only tells /api/docs (and clients generated from /api/openapi.json) what a
call can answer. Response bodies are validated on the way out, so their schemas keep any
key they do not list (``extra="allow"``) and the operations that use them dump only the
keys that were set: the JSON on the wire stays exactly what the payload functions build.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from django.http import HttpResponse
from ninja import Schema
from ninja.responses import NinjaJSONEncoder
from pydantic import ConfigDict, Field

# How the API renders JSON (config/api.py): UTF-8 as is, not \u escapes.
JSON_DUMPS_PARAMS: dict[str, Any] = {"ensure_ascii": False}
JSON_CONTENT_TYPE = "application/json; charset=utf-8"


def rendered(data: Any) -> HttpResponse:
    """A 200 answer the payload functions built in its documented shape, rendered as the API
    renders answers but not validated against its schema on the way out. For the near-me
    list, whose validation cost more than building it from kept parts; its tests validate it
    against the schema instead (tests/storefront/test_nearby.py)."""
    body = json.dumps(data, cls=NinjaJSONEncoder, **JSON_DUMPS_PARAMS)
    return HttpResponse(body, content_type=JSON_CONTENT_TYPE)


def rendered_error(status: int, code: str, detail: str, **extra: Any) -> HttpResponse:
    """An error in the API's shape, rendered as the API renders its own, for the answers
    made outside django-ninja's handlers (middleware, Django's 404 and 500 views)."""
    body = json.dumps({"code": code, "detail": detail, **extra}, **JSON_DUMPS_PARAMS)
    return HttpResponse(body, status=status, content_type=JSON_CONTENT_TYPE)


# A coordinate as the models hold it: a float from the database, an int when a caller
# gave one (kept as given so the JSON does not change from ``37`` to ``37.0``).
Number = float | int


class OutSchema(Schema):
    """A response body: the listed keys, plus any the payload grows later."""

    model_config = ConfigDict(extra="allow")


class ErrorOut(OutSchema):
    """Every error: a stable machine ``code``, a sentence for people, sometimes more keys
    (``errors`` for 422 ``invalid_input``; ``limit``, ``unit``, ``held`` for
    ``limit_per_customer``)."""

    code: str = Field(description="기계가 읽는 오류 코드 (snake_case)", examples=["not_found"])
    detail: str = Field(description="사람이 읽는 설명 (한국어 또는 요청 언어)")


# The statuses a kind of call can give, with the codes that come with them.
BODY_ERRORS: dict[int, list[str]] = {
    400: ["malformed_json"],
    413: ["payload_too_large"],
    422: ["invalid_input"],
}
OWNER_ERRORS: dict[int, list[str]] = {
    401: ["unauthorized"],
    403: ["forbidden", "csrf_failed", "missing_scope"],
    404: ["shop_not_found"],
}
PUBLIC_SHOP_ERRORS: dict[int, list[str]] = {404: ["shop_not_found"]}


def merge(*groups: Mapping[int, Iterable[str]]) -> dict[int, list[str]]:
    merged: dict[int, list[str]] = {}
    for group in groups:
        for status, codes in group.items():
            known = merged.setdefault(status, [])
            known.extend(code for code in codes if code not in known)
    return dict(sorted(merged.items()))


def documented(
    ok: Mapping[int, Any], *error_groups: Mapping[int, Iterable[str]], description: str = ""
) -> dict[str, Any]:
    """Keyword arguments for a route decorator: the success schemas, ``ErrorOut`` for every
    error status, the error codes listed in the description, and ``exclude_unset`` so keys
    a payload leaves out stay out."""
    errors = merge(*error_groups)
    lines = [description.strip()] if description.strip() else []
    lines.append("오류 (status: code):")
    lines.extend(
        f"- {status}: {', '.join(f'`{c}`' for c in codes)}" for status, codes in errors.items()
    )
    return {
        "response": {**ok, **{status: ErrorOut for status in errors}},
        "description": "\n".join(lines),
        "exclude_unset": True,
    }


def described(json_type: str | list[str], description: str, **kwargs: Any) -> Any:
    """A request field the services check themselves (one Korean message per mistake, as in
    the console and the admin): any JSON value passes the schema, the docs show its type."""
    types = [json_type] if isinstance(json_type, str) else json_type
    schema: dict[str, Any] = (
        {"type": types[0]} if len(types) == 1 else {"anyOf": [{"type": t} for t in types]}
    )
    return Field(description=description, json_schema_extra=schema, **kwargs)
