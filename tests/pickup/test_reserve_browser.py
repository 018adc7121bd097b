"""The reservation flow in a real Chromium against daphne (websockets included):

reserve on the shop page → the count drops in another customer's page → the reservation page
shows the code and QR → the owner marks it ready → the customer's page says so, live.
"""

from __future__ import annotations

import os
import re
import shutil

import pytest
from channels.testing import ChannelsLiveServerTestCase

from livestock.models import Listing
from pickup.models import Reservation
from tests import factories

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
TIMEOUT_MS = 15_000


@pytest.mark.browser
@pytest.mark.skipif(not shutil.which(CHROMIUM), reason="needs Chromium at /usr/bin/chromium")
class ReservationFlowTests(ChannelsLiveServerTestCase):
    host = "127.0.0.1"
    serialized_rollback = False

    @classmethod
    def setUpClass(cls) -> None:
        # daphne is forked from this process: it must not inherit open database connections,
        # a channel layer bound to this process's event loop, or asgiref's single-thread
        # executor whose thread (started by earlier async tests) does not exist in the child.
        from concurrent.futures import ThreadPoolExecutor

        from asgiref.sync import SyncToAsync
        from channels.layers import channel_layers
        from django.db import connections

        connections.close_all()
        channel_layers.backends.clear()
        SyncToAsync.single_thread_executor = ThreadPoolExecutor(max_workers=1)
        super().setUpClass()

    def setUp(self) -> None:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
        self.shop = factories.make_shop()
        self.listing = factories.make_listing(self.shop, "단감", 5)
        self.point = factories.make_cafe(self.shop, "골목 카페")
        self.window = factories.make_window(self.point, "00:00", "23:59")
        self.owner = factories.make_owner(self.shop)

    def tearDown(self) -> None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)

    def _context(self, browser):
        context = browser.new_context(locale="ko-KR")
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.problems = []
        page.on("console", lambda m: ("Content Security Policy" in m.text or m.type == "error")
                and page.problems.append(m.text))
        page.on("pageerror", lambda e: page.problems.append(str(e)))
        return page

    def test_reserve_count_drops_elsewhere_code_qr_and_ready_live(self) -> None:
        from playwright.sync_api import expect, sync_playwright

        base = self.live_server_url
        shop_url = f"{base}/s/{self.shop.slug}/"
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            customer, neighbour, owner = (self._context(browser) for _ in range(3))

            neighbour.goto(shop_url)
            expect(neighbour.locator("[data-live-status]")).to_be_visible()  # socket open
            neighbour.fill("#reserve-quantity", "4")

            customer.goto(shop_url)
            expect(customer.locator("[data-live-status]")).to_be_visible()
            customer.select_option("#reserve-item", str(self.listing.pk))
            customer.select_option("#reserve-slot", f"{self.point.pk}:{self.window.pk}")
            customer.fill("#reserve-quantity", "2")
            customer.fill("#reserve-name", "김동네")
            customer.fill("#reserve-phone", "010-1234-5678")
            customer.check("input[name=consent]")
            expect(customer.locator("[data-reserve-total]")).to_contain_text("15,800원")
            customer.click("[data-reserve-submit]")
            customer.wait_for_url(re.compile(r"/r/[A-Za-z0-9_-]+/$"))

            # Another customer's page: the count dropped and the form says what is left.
            row = neighbour.locator(f'[data-listing-id="{self.listing.pk}"] [data-field="available"]')
            expect(row).to_have_text("3")
            expect(neighbour.locator("[data-reserve-error]")).to_contain_text("3개로 줄었습니다")
            expect(neighbour.locator("[data-reserve-submit]")).to_be_disabled()

            reservation = Reservation.objects.get()
            assert Listing.objects.get(pk=self.listing.pk).available == 3
            code = f"{reservation.code[:3]} {reservation.code[3:]}"
            expect(customer.locator("[data-code-display]")).to_have_text(code)
            expect(customer.locator(".qr svg")).to_be_visible()
            expect(customer.locator("[data-status-label]")).to_have_text("예약 확정")
            remembered = customer.evaluate("localStorage.getItem('dongne5km:reservations')")
            assert reservation.token in remembered

            owner.goto(f"{base}/owner/login/")
            owner.fill("input[name=username]", "owner")
            owner.fill("input[name=password]", "pw-for-tests-1")
            owner.click("button[type=submit]")
            owner.goto(f"{base}/owner/s/{self.shop.slug}/reservations/")
            expect(owner.locator(".prep-list")).to_contain_text("2")
            owner.click("text=준비 완료")
            owner.wait_for_load_state()

            # The customer's page updates without a reload.
            expect(customer.locator("[data-status-label]")).to_have_text("준비 완료")
            expect(customer.locator("[data-status-help]")).to_contain_text("준비되었습니다")

            # Cancelling on the reservation page puts the stock back on every open page.
            customer.click("text=예약 취소")
            expect(row).to_have_text("5")
            reservation.refresh_from_db()
            assert reservation.status == "cancelled"

            for page in (customer, neighbour, owner):
                assert page.problems == [], page.problems
            browser.close()
