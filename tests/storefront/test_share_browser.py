"""The share sheet in a real Chromium: buttons appear with JS, copy puts the ref=copy link on
the clipboard, the address bar drops ?ref= after the visit is counted, and the strict CSP
reports nothing."""

from __future__ import annotations

import pytest

from shops.models import ShareStat
from tests.support.services import CHROMIUM_ARGS, chromium_path

pytestmark = pytest.mark.browser


@pytest.fixture
def page(monkeypatch):
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread; the ORM calls the test makes
    # between browser steps are still plain synchronous code.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        context = browser.new_context(locale="ko-KR")
        page = context.new_page()
        page.csp_errors = []
        page.on(
            "console",
            lambda message: (
                "Content Security Policy" in message.text and page.csp_errors.append(message.text)
            ),
        )
        page.errors = []
        page.on("pageerror", lambda error: page.errors.append(str(error)))
        yield page
        context.close()
        browser.close()


def test_share_sheet_copies_the_copy_link_and_cleans_the_address_bar(
    live_server, shop, listing, page
):
    # (shop and listing first: creating them broadcasts, before the browser's loop starts)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
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

    has_web_share = page.evaluate("typeof navigator.share === 'function'")
    assert page.locator("[data-share-native]").is_visible() == has_web_share

    naver = page.locator("a.btn-naver")
    assert naver.get_attribute("href").startswith("https://share.naver.com/web/shareView?")
    assert page.locator("[data-share-kakao]").count() == 0
    assert page.csp_errors == [] and page.errors == []


KAKAO_STUB = """
window.Kakao = {
  _key: null,
  isInitialized() { return this._key !== null; },
  init(key) { this._key = key; },
  Share: { sendScrap(options) { window.__kakaoScrap = { key: window.Kakao._key, ...options }; } },
};
"""


def test_kakao_share_loads_the_sdk_through_the_csp_and_sends_the_kakao_link(
    live_server, shop, listing, settings, page
):
    settings.KAKAO_JS_KEY = "test-js-key"
    sdk_requests = []

    def fake_sdk(route):  # stands in for Kakao's CDN: no outside network in tests
        sdk_requests.append(route.request.url)
        route.fulfill(status=200, content_type="application/javascript", body=KAKAO_STUB)

    page.route("https://t1.kakaocdn.net/**", fake_sdk)
    page.goto(f"{live_server.url}/s/{shop.slug}/l/{listing.pk}/")
    button = page.locator("[data-share-kakao]")
    button.wait_for(state="visible")
    button.click()
    sent = page.evaluate("window.__kakaoScrap")
    assert sent == {
        "key": "test-js-key",
        "requestUrl": f"{live_server.url}/s/{shop.slug}/l/{listing.pk}/?ref=kakao",
    }
    assert sdk_requests == [settings.KAKAO_JS_SDK_URL]
    assert page.csp_errors == [] and page.errors == []


def test_without_a_key_no_kakao_sdk_is_requested(live_server, shop, listing, settings, page):
    settings.KAKAO_JS_KEY = ""
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(f"{live_server.url}/s/{shop.slug}/")
    page.locator("[data-share-copy]").wait_for(state="visible")
    assert not [url for url in requested if "kakao" in url]
    assert page.errors == []
