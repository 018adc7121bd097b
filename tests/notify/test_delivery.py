"""Pushes end to end against the loopback push service: the JWT is verified and every body is
decrypted with the browser's own key, so these assert what a phone would show."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.test import Client

from livestock import services as stock
from notify import delivery
from notify.models import Delivery, Follow, Push, RestockAlert, Subscription
from tests import factories


def api(client: Client, method: str, url: str, body=None):
    return getattr(client, method)(
        url, json.dumps(body) if body is not None else None, content_type="application/json"
    )


def follow(client, shop, browser, **extra):
    response = api(
        client,
        "post",
        f"/api/shops/{shop.slug}/follow",
        {"subscription": browser.subscription, **extra},
    )
    assert response.status_code == 201, response.content
    return response.json()["token"]


@pytest.fixture
def client():
    return Client(enforce_csrf_checks=True)


def run_worker(clock, seconds: int = 0):
    clock.now += timedelta(seconds=seconds)
    return delivery.tick()


def test_an_arrival_reaches_every_follower_within_a_minute_encrypted_and_signed(
    client, push_service, shop, clock
):
    alice, bob = push_service.browser(), push_service.browser()
    follow(client, shop, alice)
    follow(client, shop, bob, topics=["arrivals"])
    factories.make_listing(shop, "단감", available=200)
    assert push_service.total() == 0  # waits for more posts of the same minute
    run_worker(clock, 59)
    for browser in (alice, bob):
        [message] = browser.messages
        assert message["title"].startswith("(광고)") and shop.name in message["title"]
        assert "단감 200팩" in message["body"]
        assert "수신거부" in message["body"]
        assert message["url"] == f"http://testserver/s/{shop.slug}/"
        assert message["tag"] == f"arrival-{shop.slug}"
        headers = browser.requests[0]["headers"]
        assert headers["topic"] == f"arrival-{shop.pk}"
        assert int(headers["ttl"]) > 0 and headers["urgency"] == "normal"
    assert push_service.rejected == []
    assert set(Delivery.objects.values_list("status", flat=True)) == {"sent"}


def test_several_posts_within_the_minute_become_one_push(client, push_service, shop, clock):
    alice = push_service.browser()
    follow(client, shop, alice)
    factories.make_listing(shop, "단감", available=200)
    clock.now += timedelta(seconds=20)
    factories.make_listing(shop, "사과", available=50, unit="봉")
    run_worker(clock, 40)
    [message] = alice.messages
    assert "단감 200팩" in message["body"] and "사과 50봉" in message["body"]
    assert Push.objects.count() == 1


def test_a_later_post_is_a_new_push(client, push_service, shop, clock):
    alice = push_service.browser()
    follow(client, shop, alice)
    factories.make_listing(shop, "단감", available=200)
    run_worker(clock, 60)
    factories.make_listing(shop, "사과", available=50, unit="봉")
    run_worker(clock, 60)
    assert [("사과" in m["body"]) for m in alice.messages] == [False, True]


def test_unfollowed_devices_get_nothing_more(client, push_service, shop, clock):
    alice = push_service.browser()
    token = follow(client, shop, alice)
    assert client.delete(f"/api/follows/{token}").status_code == 204
    factories.make_listing(shop, "단감", available=200)
    run_worker(clock, 60)
    assert alice.messages == []
    assert client.delete(f"/api/follows/{token}").status_code == 404


def test_restock_alert_is_one_push_when_a_sold_out_listing_comes_back(
    client, push_service, shop, listing, clock
):
    alice = push_service.browser()
    stock.mark_sold_out(shop=shop, listing_id=listing.pk)
    response = api(
        client,
        "post",
        f"/api/listings/{listing.pk}/restock-alert",
        {"subscription": alice.subscription},
    )
    assert response.status_code == 201, response.content
    stock.adjust_stock(shop=shop, listing_id=listing.pk, delta=20, reason="restock")
    [message] = alice.messages
    assert message["title"].startswith("(광고)")
    assert "단감 20팩" in message["body"] and "수신거부" in message["body"]
    assert message["url"].endswith(f"/s/{shop.slug}/l/{listing.pk}/")
    # One push, then done: selling out and coming back again sends nothing more.
    assert not RestockAlert.objects.exists()
    stock.mark_sold_out(shop=shop, listing_id=listing.pk)
    stock.adjust_stock(shop=shop, listing_id=listing.pk, delta=5, reason="restock")
    assert len(alice.messages) == 1


def test_a_count_that_was_not_zero_is_no_restock(client, push_service, shop, listing, clock):
    alice = push_service.browser()
    follow(client, shop, alice, topics=["restock"])
    stock.adjust_stock(shop=shop, listing_id=listing.pk, delta=20, reason="restock")
    run_worker(clock, 60)
    assert alice.messages == []


def test_410_deletes_the_subscription_and_its_follows(client, push_service, shop, clock):
    alice, bob = push_service.browser(), push_service.browser()
    follow(client, shop, alice)
    follow(client, shop, bob)
    alice.answer(410)
    factories.make_listing(shop, "단감", available=200)
    run_worker(clock, 60)
    assert not Subscription.objects.filter(endpoint=alice.endpoint).exists()
    assert not Follow.objects.filter(subscription__endpoint=alice.endpoint).exists()
    assert len(bob.messages) == 1


def test_404_deletes_the_subscription_too(client, push_service, shop, clock):
    alice = push_service.browser()
    follow(client, shop, alice)
    alice.answer(404)
    factories.make_listing(shop, "단감", available=200)
    run_worker(clock, 60)
    assert not Subscription.objects.exists()


def test_429_is_retried_after_retry_after(client, push_service, shop, clock):
    alice = push_service.browser()
    follow(client, shop, alice)
    alice.answer((429, {"Retry-After": "120"}))
    factories.make_listing(shop, "단감", available=200)
    run_worker(clock, 60)
    assert alice.messages == []
    row = Delivery.objects.get()
    assert row.status == "pending" and row.attempts == 1 and row.last_status == 429
    assert row.not_before >= clock.now + timedelta(seconds=119)
    run_worker(clock, 60)  # not yet
    assert alice.messages == []
    run_worker(clock, 61)
    assert len(alice.messages) == 1
    assert Delivery.objects.get().status == "sent"


def test_503_is_retried_with_backoff_and_given_up_after_the_last_attempt(
    client, push_service, shop, clock, settings
):
    settings.WEB_PUSH_MAX_ATTEMPTS = 3
    alice = push_service.browser()
    follow(client, shop, alice)
    alice.answer(503, 503, 503)
    factories.make_listing(shop, "단감", available=200)
    run_worker(clock, 60)
    for _attempt in range(3):
        run_worker(clock, 3600)
    row = Delivery.objects.get()
    assert row.status == "failed" and row.attempts == 3 and alice.messages == []


def test_a_restarted_worker_sends_nothing_twice(client, push_service, shop, clock, monkeypatch):
    browsers = [push_service.browser() for _ in range(6)]
    for browser in browsers:
        follow(client, shop, browser)
    factories.make_listing(shop, "단감", available=200)
    # The worker dies after three answers were recorded: the rest of its batch never ran.
    real_send_rounds = delivery.webpush.Sender.send_rounds

    def dying(self, messages):
        yield from real_send_rounds(self, list(messages)[:3])
        raise SystemExit("worker killed")

    monkeypatch.setattr(delivery.webpush.Sender, "send_rounds", dying)
    with pytest.raises(SystemExit):
        run_worker(clock, 60)
    monkeypatch.setattr(delivery.webpush.Sender, "send_rounds", real_send_rounds)
    assert push_service.total() == 3
    # Restarted: its claim holds until the lease ends, then the rest go out exactly once.
    run_worker(clock, 60)
    assert push_service.total() == 3
    run_worker(clock, delivery.LEASE_SECONDS)
    run_worker(clock, 60)
    assert sorted(len(b.messages) for b in browsers) == [1] * 6
    assert Delivery.objects.filter(status="sent").count() == 6


def test_a_row_whose_keys_cannot_be_encrypted_to_fails_alone(client, push_service, shop, clock):
    good, broken = push_service.browser(), push_service.browser()
    follow(client, shop, good)
    follow(client, shop, broken)
    Subscription.objects.filter(endpoint=broken.endpoint).update(p256dh="AAAA")
    factories.make_listing(shop, "단감", available=200)
    run_worker(clock, 60)
    assert len(good.messages) == 1 and broken.messages == []
    assert Delivery.objects.get(subscription__endpoint=broken.endpoint).status == "failed"


def test_a_redirect_is_never_followed(client, push_service, shop, clock):
    alice, elsewhere = push_service.browser(), push_service.browser()
    follow(client, shop, alice)
    alice.answer((307, {"Location": elsewhere.endpoint}))
    factories.make_listing(shop, "단감", available=200)
    run_worker(clock, 60)
    assert alice.messages == [] and elsewhere.messages == [] and push_service.total() == 0
    row = Delivery.objects.get()
    assert row.status == "failed" and row.last_status == 307
