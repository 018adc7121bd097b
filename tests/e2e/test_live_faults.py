"""A customer's open page rides out the death of the server process holding its socket."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from tests.support.processes import http, wait_until
from tests.support.tcpproxy import TcpProxy

pytestmark = [
    pytest.mark.browser,
    pytest.mark.multiprocess,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
]


def test_page_reconnects_to_the_other_process_and_shows_the_right_count(
    new_phone, start_daphne, live_redis_url, shop, listing, token
):
    a = start_daphne(live_redis_url, name="daphne-e2e-a")
    b = start_daphne(live_redis_url, name="daphne-e2e-b")
    balancer = TcpProxy([("127.0.0.1", a.port), ("127.0.0.1", b.port)])
    try:
        customer = new_phone("customer", base_url=f"http://127.0.0.1:{balancer.port}")
        customer.open_shop(shop.slug)
        customer.wait_live()
        customer.page.evaluate("window.stillTheSamePage = true")
        holder, survivor = wait_until(
            lambda: (
                (a, b)
                if "WSCONNECT" in a.log_text()
                else (b, a)
                if "WSCONNECT" in b.log_text()
                else None
            ),
            10,
            what="the process holding the socket",
        )

        holder.kill()
        auth = {"Authorization": f"Bearer {token}"}
        stock = f"{survivor.url}/api/shops/{shop.slug}/listings/{listing.pk}/stock"
        for delta in (-7, -3):
            status, _headers, body = http("POST", stock, {"delta": delta}, headers=auth)
            assert status == 200, body
        assert json.loads(body)["available"] == 190

        expect(customer.count_of(listing.pk)).to_have_text("190", timeout=20_000)
        customer.wait_live()
        assert customer.page.evaluate("window.stillTheSamePage") is True
        customer.screenshot("after-failover")
        customer.assert_healthy()
    finally:
        balancer.close()
