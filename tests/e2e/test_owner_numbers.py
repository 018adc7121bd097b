"""The owner's 숫자 page on a phone, in a real browser: reached from the console, readable
without JavaScript, no sideways scrolling, and no axe-core violation on any view of it."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from insights import services
from tests.insights.conftest import build_history

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    # A month of history through the services, then two phones: slow on a shared machine.
    pytest.mark.timeout(300),
]

_axe = Axe()


def assert_accessible(page, label: str, javascript: bool) -> None:
    if not javascript:
        return  # axe-core is a script: it runs on the same views in the phone with JavaScript
    violations = _axe.run(page).response.get("violations", [])
    assert not violations, f"{label}: " + "; ".join(
        f"{v['id']} ({v['impact']}): " + ", ".join(n["target"][0] for n in v["nodes"][:3])
        for v in violations
    )


@pytest.fixture
def busy_shop(shop, clock):
    history = build_history(shop, clock)
    # The live server runs on the real clock: roll up every finished day up to its today.
    services.roll_up_pending(today=datetime.now(ZoneInfo("Asia/Seoul")).date())
    return history


def test_owner_reads_the_numbers_on_a_phone_without_javascript(new_phone, busy_shop, owner_login):
    slug = busy_shop.shop.slug
    for javascript in (True, False):
        boss = new_phone(f"owner-js-{javascript}", javascript=javascript)
        page = boss.log_in(*owner_login, f"/owner/s/{slug}/")
        page.get_by_role("link", name="숫자", exact=True).tap()
        expect(page.get_by_role("heading", level=1)).to_contain_text("숫자")
        expect(page.locator("svg.chart")).to_have_count(6)
        expect(page.get_by_role("img", name="날짜별 예약과 수령")).to_be_visible()
        assert_accessible(page, "numbers 30 days", javascript)
        boss.assert_healthy()

        section = page.locator("section", has=page.locator("#daily-title"))
        section.get_by_text("숫자로 보기").tap()
        expect(section.get_by_role("table")).to_be_visible()
        assert_accessible(page, "numbers with a table open", javascript)

        page.get_by_role("link", name="최근 90일").tap()
        expect(page.get_by_role("link", name="최근 90일")).to_have_attribute("aria-current", "page")
        assert_accessible(page, "numbers 90 days", javascript)
        boss.assert_healthy()
        boss.screenshot("numbers-90")
        with page.expect_download() as download:
            page.get_by_role("link", name="상품별").click()
        body = open(download.value.path(), "rb").read()
        assert body.startswith(b"\xef\xbb\xbf") and "단감".encode() in body
