"""A one-line accessibility check for tests that drive a Playwright page directly."""

from __future__ import annotations

from tests.support.a11y import violations


def assert_no_violations(page, label: str = "") -> None:
    """Run axe-core on the page as it is now; fail listing every violation."""
    found = violations(page)
    assert not found, f"{label or page.url}: " + "; ".join(found)
