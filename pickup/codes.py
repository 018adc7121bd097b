"""Pickup codes and phone numbers: pure functions, no Django.

A pickup code is read aloud at a counter and typed on a phone, so it uses only characters
that cannot be mistaken for one another (no 0/O, 1/I/L).
"""

from __future__ import annotations

import re
import secrets
from functools import lru_cache

import phonenumbers

CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 6

_SEPARATORS = re.compile(r"[\s\-_.]+")


def new_code(length: int = CODE_LENGTH) -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


def normalize_code(raw: object) -> str | None:
    """What a person typed → the stored form, or None if it cannot be a code."""
    if not isinstance(raw, str) or len(raw) > 40:
        return None
    code = _SEPARATORS.sub("", raw).upper()
    if len(code) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in code):
        return None
    return code


def format_code(code: str) -> str:
    """ "ABC234" → "ABC 234" for reading aloud."""
    half = len(code) // 2
    return f"{code[:half]} {code[half:]}"


class InvalidPhone(ValueError):
    pass


MAX_PHONE_INPUT = 30

# "010-1234-5678" and "01012345678", nearly every number typed: phonenumbers' verdict on such a
# number depends only on its leading digits (KR metadata: ``10`` and the next ones), so it is
# asked once per ``010-XXXX`` block and remembered.
_COMMON_MOBILE = re.compile(r"010(-?)([0-9]{4})\1([0-9]{4})")
_VALID_010_BLOCKS: dict[str, bool] = {}


def normalize_phone(raw: object, region: str = "KR") -> str:
    """A Korean mobile number in any common spelling → E.164 ("+821012345678")."""
    if not isinstance(raw, str) or not raw.strip() or len(raw) > MAX_PHONE_INPUT:
        raise InvalidPhone(raw)
    if region == "KR":
        common = _COMMON_MOBILE.fullmatch(raw.strip())
        if common is not None:
            return _common_mobile(raw, common[2], common[3])
    return _parse_phone(raw, region)


def _common_mobile(raw: str, block: str, rest: str) -> str:
    valid = _VALID_010_BLOCKS.get(block)
    if valid is None:
        try:
            _parse_phone(f"010{block}{rest}", "KR")
            valid = True
        except InvalidPhone:
            valid = False
        _VALID_010_BLOCKS[block] = valid
    if not valid:
        raise InvalidPhone(raw)
    return f"+8210{block}{rest}"


def _parse_phone(raw: str, region: str) -> str:
    try:
        number = phonenumbers.parse(raw.strip(), region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhone(raw) from exc
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhone(raw)
    if phonenumbers.number_type(number) not in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    ):
        raise InvalidPhone(raw)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@lru_cache(maxsize=1024)
def national_phone(e164: str) -> str:
    """ "+821012345678" → "010-1234-5678" (remembered: one reservation's pages and payloads
    show the same number several times, and each parse costs ~0.1 ms)."""
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return ""
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


def mask_phone(e164: str) -> str:
    """ "+821012345678" → "010-****-5678"; an erased number stays empty."""
    national = national_phone(e164)
    if not national:
        return ""
    parts = national.split("-")
    if len(parts) == 3:
        return f"{parts[0]}-{'*' * len(parts[1])}-{parts[2]}"
    digits = re.sub(r"\D", "", national)
    return digits[:3] + "*" * max(0, len(digits) - 7) + digits[-4:]
