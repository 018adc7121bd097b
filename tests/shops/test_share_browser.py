"""The share sheet in a real Chromium: buttons appear with JS, copy puts the ref=copy link on
the clipboard, the address bar drops ?ref= after the visit is counted, and the strict CSP
reports nothing."""

from __future__ import annotations

import os
import shutil

import pytest

from shops.models import ShareStat

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not shutil.which(CHROMIUM), reason="needs Chromium at /usr/bin/chromium"),
]


@pytest.fixture
def page(monkeypatch):
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread; the ORM calls the test makes
    # between browser steps are still plain synchronous code.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(locale="ko-KR")
        page = context.new_page()
        page.csp_errors = []
        page.on("console", lambda message: "Content Security Policy" in message.text
                and page.csp_errors.append(message.text))
        yield page
        context.close()
        browser.close()


def test_share_sheet_copies_the_copy_link_and_cleans_the_address_bar(live_server, shop, listing,
                                                                       page):
    # (shop and listing first: creating them broadcasts, before the browser's loop starts)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"],
                                   origin=live_server.url)
    page.goto(f"{live_server.url}/s/{shop.slug}/?ref=naver")
    copy = page.locator("[data-share-copy]")
    copy.wait_for(state="visible")
    page.wait_for_function("!location.search.includes('ref=')")
    assert page.url == f"{live_server.url}/s/{shop.slug}/"
    assert ShareStat.objects.get(shop=shop, channel="naver").visits == 1

    copy.click()
    page.locator("[data-share-status]").filter(has_text="복사").wait_for()
    clipboard = page.evaluate("navigator.clipboard.readText()")
    assert clipboard == f"{live_server.url}/s/{shop.slug}/?ref=copy"

    naver = page.locator("a.btn-naver")
    assert naver.get_attribute("href").startswith("https://share.naver.com/web/shareView?")
    assert page.locator("[data-share-kakao]").count() == 0
    assert page.csp_errors == []
