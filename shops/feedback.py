"""Console messages that belong to one form: a refused post names its form in the message's
tags, and the page shows the sentence next to that form's field instead of in the list at
the top (where a shopkeeper looking at the field would miss it)."""

from __future__ import annotations

from typing import Any

PREFIX = "for-"


def for_form(*parts: Any) -> str:
    """The message tag of a form: ``for_form("window", 3)`` → ``"for-window-3"``."""
    return PREFIX + "-".join(str(part) for part in parts)


def form_of(message: Any) -> str:
    """The form a message belongs to, or ``""`` for one about the whole page."""
    tags = (getattr(message, "extra_tags", "") or "").split()
    return next((tag.removeprefix(PREFIX) for tag in tags if tag.startswith(PREFIX)), "")
