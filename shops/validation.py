"""Validation of the kinds of input every floor accepts: free text and client JSON.

One place decides what a piece of text may hold, so the console, the API, the admin and the
services answer the same way on SQLite and PostgreSQL (which refuses a NUL byte outright).
"""

from __future__ import annotations

import json
import re
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext as _

from shops.errors import InvalidInput

# C0 controls, DEL, C1 controls and lone surrogates (which cannot be encoded as UTF-8).
# Multi-line text may also hold newlines and tabs (a carriage return is folded into \n).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_CONTROL_SINGLE_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")

# Client JSON deeper than this is refused before it can exhaust the parser's recursion.
MAX_JSON_DEPTH = 32


def has_control_characters(value: str, *, multiline: bool = False) -> bool:
    pattern = _CONTROL if multiline else _CONTROL_SINGLE_LINE
    return pattern.search(value) is not None


def clean_text(
    value: Any,
    *,
    label: str,
    max_length: int,
    required: bool = False,
    multiline: bool = False,
    collapse_spaces: bool = False,
    code_prefix: str = "",
) -> str:
    """The one text check: a string, trimmed, without control characters, within ``max_length``.

    ``None`` counts as empty. ``multiline`` allows newlines and tabs (CR LF becomes LF);
    ``collapse_spaces`` turns every run of whitespace into one space (names).
    Raises ``InvalidInput`` (422) with a Korean sentence naming ``label``; its code is
    ``required``/``too_long``/``invalid_input``, or ``<prefix>required``, ``<prefix>too_long``
    and ``invalid_<prefix>`` with ``code_prefix`` (e.g. ``name_``), and
    ``control_characters`` for control characters.
    """
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise InvalidInput(
            _("%(field)s을(를) 글자로 입력해 주세요.") % {"field": label},
            code=f"invalid_{code_prefix.rstrip('_')}" if code_prefix else None,
        )
    if multiline:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = value.strip()
    if has_control_characters(value, multiline=multiline):
        raise InvalidInput(
            _("%(field)s에 쓸 수 없는 제어 문자가 들어 있습니다.") % {"field": label},
            code="control_characters",
        )
    if collapse_spaces:
        value = " ".join(value.split())
    if required and not value:
        raise InvalidInput(
            _("%(field)s을(를) 입력해 주세요.") % {"field": label}, code=f"{code_prefix}required"
        )
    if len(value) > max_length:
        raise InvalidInput(
            _("%(field)s은(는) %(max)d자 이하로 입력해 주세요.")
            % {"field": label, "max": max_length},
            code=f"{code_prefix}too_long",
        )
    return value


@deconstructible
class NoControlCharactersValidator:
    """The same rule for Django forms and the admin (``forms.CharField`` validators)."""

    def __init__(self, multiline: bool = False) -> None:
        self.multiline = multiline

    def __call__(self, value: Any) -> None:
        if isinstance(value, str) and has_control_characters(value, multiline=self.multiline):
            raise ValidationError(
                _("쓸 수 없는 제어 문자가 들어 있습니다."), code="control_characters"
            )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, NoControlCharactersValidator) and other.multiline == self.multiline


def guard_form_field(field):
    """Add the control-character check to one Django form field if it takes free text."""
    from django import forms

    if (
        isinstance(field, forms.CharField)
        and not isinstance(
            field, (forms.RegexField, forms.EmailField, forms.URLField, forms.SlugField)
        )
        and not any(isinstance(v, NoControlCharactersValidator) for v in field.validators)
    ):
        multiline = isinstance(field.widget, forms.Textarea)
        field.validators.append(NoControlCharactersValidator(multiline=multiline))
    return field


def guard_form_text(form) -> None:
    """Add the control-character check to every text field of a Django form."""
    for field in form.fields.values():
        guard_form_field(field)


class TextInputFormMixin:
    """Forms (console and admin) that refuse control characters in every text field."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        guard_form_text(self)


def json_form_field_class():
    """``forms.JSONField`` that refuses JSON nested too deeply as a form error (Django's
    own raises RecursionError: a 500) — for admin JSON fields such as a service polygon."""
    from django import forms

    class DepthLimitedJSONField(forms.JSONField):
        def to_python(self, value):
            if isinstance(value, str) and _depth_exceeds(value, MAX_JSON_DEPTH):
                raise ValidationError(
                    self.error_messages["invalid"], code="invalid", params={"value": value[:50]}
                )
            return super().to_python(value)

    return DepthLimitedJSONField


class MalformedJson(ValueError):
    """Client JSON that cannot be read: invalid, too deep, or not text."""


def _depth_exceeds(text: str, limit: int) -> bool:
    """Whether brackets outside strings nest deeper than ``limit`` (a linear scan)."""
    if text.count("[") + text.count("{") <= limit:
        return False
    # Drop string literals (escapes included), then follow the brackets that remain.
    skeleton = re.sub(r'"(?:[^"\\]|\\.)*"', "", text)
    depth = 0
    for char in re.findall(r"[\[\]{}]", skeleton):
        if char in "[{":
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


def parse_json(data: str | bytes | bytearray, *, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """``json.loads`` for what clients send: raises ``MalformedJson`` and nothing else."""
    if isinstance(data, (bytes, bytearray)):
        try:
            data = bytes(data).decode("utf-8")
        except UnicodeDecodeError:
            raise MalformedJson("not UTF-8") from None
    if not isinstance(data, str):
        raise MalformedJson("not text")
    if _depth_exceeds(data, max_depth):
        raise MalformedJson("nested too deeply")
    try:
        return json.loads(data)
    except (ValueError, RecursionError) as exc:
        raise MalformedJson(str(exc)) from None


# A client's websocket message: small JSON objects such as {"type": "ping"}.
MAX_CLIENT_MESSAGE = 4096


class BadClientMessage(ValueError):
    """A websocket message that is not a small JSON object with a string ``type``."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def parse_client_message(
    text_data: str | None, bytes_data: bytes | None = None, *, max_length: int = MAX_CLIENT_MESSAGE
) -> dict[str, Any]:
    """The one reader of what a browser sends on a socket; raises ``BadClientMessage`` with
    ``malformed_message`` or ``malformed_json`` (each consumer answers ``{"type": "error"}``
    and keeps the socket open)."""
    if text_data is None or len(text_data) > max_length:
        raise BadClientMessage("malformed_message")
    try:
        message = parse_json(text_data)
    except MalformedJson:
        raise BadClientMessage("malformed_json") from None
    if not isinstance(message, dict) or not isinstance(message.get("type"), str):
        raise BadClientMessage("malformed_message")
    return message


def json_body(request, *, default: Any = None) -> Any:
    """An optional JSON request body, or ``default`` when there is none; a body that cannot
    be read is a 400 ``malformed_json`` (the API's shape)."""
    if not request.body.strip():
        return default
    try:
        return parse_json(request.body)
    except MalformedJson:
        raise InvalidInput(
            _("요청 본문이 올바른 JSON이 아닙니다."), code="malformed_json", status=400
        ) from None
