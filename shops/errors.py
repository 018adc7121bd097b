"""Errors a user can cause, each with a stable machine code and a Korean sentence.

Services raise these; the API turns them into ``{"code", "detail", ...}`` with the given
status, and the HTML views show ``detail`` as a message. Anything else is a bug.
"""

from __future__ import annotations

from typing import Any

from django.db import InterfaceError, OperationalError

from shops.korean import particles

# Not the user's doing: the database is away (restarting, failing over, out of connections).
# Pages answer 503 with Retry-After, sockets close with "try again later", background loops
# skip a beat. Shared by config's middleware and health check and the apps' consumers.
UNAVAILABLE_ERRORS: tuple[type[Exception], ...] = (OperationalError, InterfaceError)


class DomainError(Exception):
    status: int = 400
    code: str = "bad_request"

    def __init__(
        self, detail: str, *, code: str | None = None, status: int | None = None, **extra: Any
    ) -> None:
        # Korean particles after names filled in: "'%(name)s'을(를)" → "'카페'를".
        detail = particles(str(detail))
        super().__init__(detail)
        self.detail = detail
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        self.extra = extra

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "detail": self.detail, **self.extra}


class InvalidInput(DomainError):
    status = 422
    code = "invalid_input"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class PermissionDenied(DomainError):
    status = 403
    code = "forbidden"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class RateLimited(DomainError):
    status = 429
    code = "rate_limited"
