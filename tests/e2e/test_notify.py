"""Notifications in a real Chromium: the follow button calls pushManager.subscribe with the
server's VAPID key. Headless Chromium here has no push service to reach, so the real
subscribe fails — the page must say so plainly (tested as is); the success path is tested
with subscribe answered by a stand-in that returns a subscription on the loopback push
service, then the "내 알림" page lists the follow and unfollows it in one tap. The service
worker's offline page is checked with the network cut. axe-core runs on every page visited."""

from __future__ import annotations

import json

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from notify import keys
from notify.models import Follow
from tests import factories
from tests.notify.push_service import PushService
from tests.support.browser import Phone
from tests.support.services import shared_redis_url

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Axe()


# What this feature adds to a page; the rest of each page is checked by its own tests.
NOTIFY_PARTS = ["[data-follow]", "[data-restock]", "[data-my-alerts]", ".footer-links", "h1"]


def assert_accessible(page) -> None:
    present = [[selector] for selector in NOTIFY_PARTS if page.locator(selector).count()]
    results = AXE.run(page, context={"include": present})
    assert results.violations_count == 0, results.generate_report()


@pytest.fixture
def push_service(transactional_db):
    with PushService(keys.public_key()) as service:
        yield service


@pytest.fixture
def site(start_daphne, push_service) -> str:
    return start_daphne(
        shared_redis_url(),
        name="daphne-notify",
        WEB_PUSH_ENDPOINT_HOSTS=f"127.0.0.1:{push_service.port}",
    ).url


@pytest.fixture
def phone(browser, site, request):
    made = Phone(browser, site, "customer", request.node.name)
    made.context.grant_permissions(["notifications"], origin=site)
    yield made
    made.close()


def test_when_the_browser_cannot_subscribe_the_page_says_so(phone, shop, site):
    factories.make_listing(shop, "단감", available=10)
    page = phone.open_shop(shop.slug)
    assert_accessible(page)
    page.evaluate(
        """() => { window.__subscribeCalls = 0;
        const real = PushManager.prototype.subscribe;
        PushManager.prototype.subscribe = function (options) {
          window.__subscribeCalls += 1;
          window.__serverKeyLength = new Uint8Array(options.applicationServerKey).length;
          return real.call(this, options);
        }; }"""
    )
    button = page.get_by_role("button", name="단골 알림 받기")
    button.click()
    status = page.locator("[data-follow] [data-notify-status]")
    expect(status).to_contain_text("알림 구독을 만들지 못했어요", timeout=30_000)
    assert page.evaluate("window.__subscribeCalls") == 1
    assert page.evaluate("window.__serverKeyLength") == 65  # the VAPID public key
    assert not Follow.objects.exists()
    assert_accessible(page)

    # The worker installed on the way shows the offline page when the network is gone.
    page.evaluate("navigator.serviceWorker.ready")
    page.reload()
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    phone.context.set_offline(True)
    page.goto(f"/s/{shop.slug}/")
    expect(page.locator("h1")).to_have_text("지금은 인터넷에 연결되어 있지 않아요")
    phone.context.set_offline(False)


def test_follow_then_unfollow_from_my_alerts(phone, shop, site, push_service):
    device = push_service.browser("phone")
    # Stand in for the push service Chromium cannot reach: subscribe answers with the
    # loopback service's subscription (and remembers it, as a browser would).
    phone.context.add_init_script(
        "const sub = " + json.dumps(device.subscription) + ";\n"
        """(() => {
        const made = () => ({ endpoint: sub.endpoint, toJSON: () => sub });
        PushManager.prototype.subscribe = async function () {
          localStorage.setItem("fake-sub", "1");
          return made();
        };
        PushManager.prototype.getSubscription = async function () {
          return localStorage.getItem("fake-sub") ? made() : null;
        };
        })();"""
    )
    page = phone.open_shop(shop.slug)
    page.locator("[data-follow] input[data-night]").check()
    page.get_by_role("button", name="단골 알림 받기").click()
    expect(page.locator("[data-follow] [data-notify-status]")).to_have_text(
        "단골 알림을 켰어요. 오늘 입고·재입고 소식을 보내 드릴게요."
    )
    follow = Follow.objects.get()
    assert follow.shop_id == shop.pk and follow.night and follow.arrivals and follow.restock
    button = page.locator("[data-follow-button]")
    expect(button).to_have_attribute("aria-pressed", "true")
    expect(button).to_have_text("단골 알림 끄기")
    assert_accessible(page)

    page.reload()  # the page knows this device follows the shop
    expect(page.locator("[data-follow-button]")).to_have_text("단골 알림 끄기")

    page.goto("/notify/")
    item = page.locator(".alert-item")
    expect(item).to_have_count(1)
    expect(item.locator('[data-field="shop"]')).to_have_text(shop.name)
    assert_accessible(page)
    item.get_by_role("button", name="알림 끄기").click()
    expect(page.locator("[data-my-alerts] [data-notify-status]")).to_have_text(
        "이 가게의 알림을 껐어요."
    )
    expect(page.locator("[data-alert-empty]")).to_be_visible()
    assert not Follow.objects.exists()
    phone.assert_healthy()
