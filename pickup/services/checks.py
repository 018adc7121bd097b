"""Checks of raw input shared by the pickup services (one Korean message per mistake)."""

from __future__ import annotations

from datetime import time
from typing import Any

from django.utils.translation import gettext as _

from shops.errors import InvalidInput, NotFound
from shops.validation import clean_text

# A value exactly as it came from a JSON body or a form field, not yet checked: the services
# check it (and raise the one Korean message per mistake) so the API, the console and the
# admin refuse the same input the same way.
RawInput = Any


def text(value: RawInput, label: str, max_length: int, *, required: bool = False) -> str:
    return clean_text(value, label=label, max_length=max_length, required=required)


def clock_time(value: RawInput, label: str) -> time | None:
    if value in (None, ""):
        return None
    if isinstance(value, time):
        return value
    if isinstance(value, str) and len(value) <= 8:
        try:
            return time.fromisoformat(value)
        except ValueError:
            pass
    raise InvalidInput(_("%(field)s은(는) 09:30 같은 시각으로 입력해 주세요.") % {"field": label})


def check_id(value: RawInput, *, code: str, detail: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 2**62:
        raise NotFound(detail, code=code)
    return value
