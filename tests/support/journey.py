"""A journey in numbered steps: each step screenshots the phone's page to
test-artifacts/e2e/journeys/<who>-NN-<step>.png and runs axe-core on it, failing at once on
any violation. Every page a watched phone loads must be one of the steps (``assert_all_checked``),
so a page the walk passes through without a look cannot slip by."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

from tests.support.axe import assert_no_violations
from tests.support.browser import SCREENSHOTS, Phone

JOURNEYS = SCREENSHOTS / "journeys"


def _page_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


class Journey:
    def __init__(self, who: str) -> None:
        self.who = who
        self.number = 0
        self.visited: dict[str, list[str]] = {}
        self.checked: dict[str, set[str]] = {}
        for old in JOURNEYS.glob(f"{who}-*.png"):
            old.unlink()

    def watch(self, phone: Phone) -> Phone:
        """Remember every document this phone loads (redirects land on their last address)."""
        visited = self.visited.setdefault(phone.label, [])
        self.checked.setdefault(phone.label, set())
        phone.page.on("load", lambda page: visited.append(_page_of(page.url)) if page.url else None)
        return phone

    def step(self, phone: Phone, name: str) -> Path:
        self.number += 1
        JOURNEYS.mkdir(parents=True, exist_ok=True)
        slug = re.sub(r"[^\w-]+", "-", name).strip("-")
        path = JOURNEYS / f"{self.who}-{self.number:02d}-{slug}.png"
        phone.page.screenshot(path=str(path), full_page=True)
        assert_no_violations(phone.page, f"{self.who} step {self.number} ({name})")
        self.checked.setdefault(phone.label, set()).add(_page_of(phone.page.url))
        return path

    def assert_all_checked(self) -> None:
        missed = {
            label: sorted(set(pages) - self.checked[label])
            for label, pages in self.visited.items()
            if set(pages) - self.checked[label]
        }
        assert missed == {}, f"pages loaded without an axe check: {missed}"
