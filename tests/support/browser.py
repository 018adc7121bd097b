"""Phones for browser tests: Playwright contexts shaped like a Korean customer's phone.

Each ``Phone`` is its own browser context (own cookies, own session), so a customer, the
owner and a second customer can act side by side against one live server. New flows
(reservations, the café page) add methods here and reuse the same checks.
"""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Browser, Page, expect

from tests.support.a11y import violations
from tests.support.processes import ARTIFACTS

PHONE = {"width": 390, "height": 844}
SCREENSHOTS = ARTIFACTS / "e2e"


class Phone:
    def __init__(
        self, browser: Browser, base_url: str, label: str, test_name: str, javascript: bool = True
    ) -> None:
        self.label = label
        self.test_name = re.sub(r"[^\w.-]+", "_", test_name)
        self.context = browser.new_context(
            base_url=base_url,
            viewport=PHONE,
            screen=PHONE,
            device_scale_factor=2,
            is_mobile=True,
            has_touch=True,
            locale="ko-KR",
            timezone_id="Asia/Seoul",
            java_script_enabled=javascript,
        )
        self.context_javascript = javascript
        self.context.set_default_timeout(15_000)
        self.page: Page = self.context.new_page()
        self.errors: list[str] = []
        # axe-core's findings on every page this phone took a screenshot of (assert_healthy).
        self.a11y: list[str] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.errors.append(f"pageerror: {error}"))

    def _console(self, message) -> None:
        if message.type == "error":
            where = (message.location or {}).get("url", "")
            self.errors.append(f"console: {message.text} ({where})")

    # --- customer -------------------------------------------------------------------

    def open_shop(self, slug: str) -> Page:
        self.page.goto(f"/s/{slug}/")
        return self.page

    def count_of(self, listing_id: int):
        return self.page.locator(f'[data-listing-id="{listing_id}"] [data-field="available"]')

    def sold_out_badge(self, listing_id: int):
        return self.page.locator(f'[data-listing-id="{listing_id}"] [data-field="soldout"]')

    def wait_live(self) -> None:
        """The page's websocket is open (the 실시간 badge shows)."""
        expect(self.page.locator("[data-live-status]")).to_be_visible()

    def reserve(
        self, listing_value: str, slot_value: str, quantity: int, name: str, phone: str
    ) -> Page:
        """Fill the shop page's reserve form and submit it; lands on the reservation page."""
        form = self.page.locator("[data-reserve-form]")
        form.get_by_label("상품").select_option(listing_value)
        form.get_by_label("픽업 장소 · 시간").select_option(slot_value)
        form.get_by_label("수량").fill(str(quantity))
        form.get_by_label("받는 분 이름").fill(name)
        form.get_by_label("휴대폰 번호").fill(phone)
        form.locator("input[name=consent]").check()
        form.get_by_role("button", name="예약하기").tap()
        self.page.wait_for_url(re.compile(r"/r/[A-Za-z0-9_-]+/$"))
        return self.page

    def reservation_status(self):
        return self.page.locator("[data-status-label]")

    # --- owner ----------------------------------------------------------------------

    def log_in(self, username: str, password: str, next_url: str = "/owner/") -> Page:
        self.page.goto(f"/owner/login/?next={next_url}")
        self.page.get_by_label("아이디").fill(username)
        self.page.get_by_label("비밀번호").fill(password)
        self.page.get_by_role("button", name="로그인").click()
        self.page.wait_for_url(re.compile(r"/owner/"))
        return self.page

    def tap_stock_button(self, listing_id: int, label: str) -> None:
        row = self.page.locator(f'[data-listing-id="{listing_id}"]')
        row.get_by_role("button", name=label, exact=True).tap()

    # --- checks ---------------------------------------------------------------------

    def screenshot(self, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{self.test_name}-{self.label}-{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        if self.context_javascript:
            self.a11y += [f"{name} {self.page.url}: {line}" for line in violations(self.page)]
        return path

    def sideways_overflow(self) -> int:
        """How many CSS pixels the page is wider than the phone (0 when it fits)."""
        return self.page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )

    def assert_healthy(self) -> None:
        assert self.errors == [], f"{self.label}: {self.errors}"
        assert self.a11y == [], f"{self.label}: " + "\n".join(self.a11y)
        assert self.sideways_overflow() <= 0, f"{self.label} scrolls sideways"

    def close(self) -> None:
        self.context.close()
