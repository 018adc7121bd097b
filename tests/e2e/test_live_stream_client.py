"""The pages' one live-socket helper (static/js/livesocket.js) and the reservation page on
top of it, in Chromium, with a stand-in WebSocket the test drives frame by frame: changes are
applied only in version order, a gap or a newer heartbeat asks for a resync, a closed socket
reconnects and 4404 ends it."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FAKE_SOCKET = """
window.__sockets = [];
class FakeSocket {
  constructor(url) { this.url = url; this.readyState = 0; this.sent = []; this.on = {};
                     window.__sockets.push(this); }
  addEventListener(type, fn) { (this.on[type] ||= []).push(fn); }
  send(data) { this.sent.push(JSON.parse(data)); }
  emit(type, event) { for (const fn of this.on[type] || []) fn(event); }
  open() { this.readyState = 1; this.emit("open", {}); }
  deliver(message) { this.emit("message", { data: JSON.stringify(message) }); }
  close(code) { this.readyState = 3; this.emit("close", { code }); }
}
FakeSocket.OPEN = 1;
window.WebSocket = FakeSocket;
"""


def wait_for_sockets(page, count: int) -> None:
    """Until the page has opened ``count`` sockets (polled: the site's CSP forbids the eval
    behind wait_for_function)."""
    for _ in range(100):
        if page.evaluate("window.__sockets.length") >= count:
            return
        page.wait_for_timeout(50)
    raise AssertionError(f"the page never opened socket number {count}")


def test_changes_apply_in_version_order_and_gaps_ask_for_a_resync(new_phone, shop):
    phone = new_phone("helper")
    phone.page.add_init_script(FAKE_SOCKET)
    phone.page.goto(f"/s/{shop.slug}/")
    result = phone.page.evaluate("""async () => {
      const { followStream } = await import("/static/js/livesocket.js");
      const got = [];
      const stream = followStream("/ws/test/", {
        onSnapshot: (m) => got.push(["snapshot", m.version]),
        onMessage: (m) => got.push([m.type, m.version]),
      });
      const ws = window.__sockets.at(-1);
      ws.open();
      ws.deliver({ type: "snapshot", version: 3 });
      ws.deliver({ type: "reservation", version: 4 });
      ws.deliver({ type: "reservation", version: 6 });  // 5 never came: resync from 4
      ws.deliver({ type: "reservation", version: 4 });  // already applied: ignored
      ws.deliver({ type: "heartbeat", version: 7 });    // newer than 4: resync from 4
      ws.deliver({ type: "heartbeat", version: 4 });    // current: nothing
      ws.deliver({ type: "reservation", version: 5 });
      ws.deliver({ type: "reservation", version: 6 });
      ws.deliver({ type: "reservation", version: 7 });
      return { got, sent: ws.sent, version: stream.version, url: ws.url };
    }""")
    assert result["got"] == [
        ["snapshot", 3],
        ["reservation", 4],
        ["reservation", 5],
        ["reservation", 6],
        ["reservation", 7],
    ]
    assert result["sent"] == [{"type": "resync", "version": 4}] * 2
    assert result["version"] == 7 and result["url"].endswith("/ws/test/")

    sockets_before = phone.page.evaluate("window.__sockets.length")
    phone.page.evaluate("window.__sockets.at(-1).close(1006)")
    wait_for_sockets(phone.page, sockets_before + 1)
    phone.page.evaluate("window.__sockets.at(-1).open(); window.__sockets.at(-1).close(4404)")
    phone.page.wait_for_timeout(1500)
    assert phone.page.evaluate("window.__sockets.length") == sockets_before + 1


def test_the_reservation_page_follows_versions_and_resyncs(new_phone, shop):
    listing = factories.make_listing(shop, "단감", 5)
    counter = factories.shop_counter(shop)
    reservation = factories.make_reservation(shop, listing, counter, quantity=1)
    phone = new_phone("customer")
    phone.page.add_init_script(FAKE_SOCKET)
    phone.page.goto(f"/r/{reservation.token}/")
    page = phone.page
    wait_for_sockets(page, 1)
    assert page.evaluate("window.__sockets[0].url").endswith(
        f"/ws/reservations/{reservation.token}/"
    )

    def deliver(message: dict) -> None:
        page.evaluate("(m) => window.__sockets[0].deliver(m)", message)

    def state(status: str) -> dict:
        return {"token": reservation.token, "status": status, "status_label": status}

    page.evaluate("window.__sockets[0].open()")
    deliver({"type": "snapshot", "version": 1, "reservation": state("confirmed")})
    deliver({"type": "reservation", "version": 3, "reservation": state("picked_up")})
    # Version 2 never came: nothing applied out of order, a resync asked instead.
    expect(phone.reservation_status()).to_have_text("예약 확정")
    assert page.evaluate("window.__sockets[0].sent") == [{"type": "resync", "version": 1}]
    deliver({"type": "snapshot", "version": 3, "reservation": state("picked_up")})
    expect(phone.reservation_status()).to_have_text("수령 완료")
    deliver({"type": "reservation", "version": 2, "reservation": state("ready")})
    expect(phone.reservation_status()).to_have_text("수령 완료")
