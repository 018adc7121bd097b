"""The follow API's contract and every bad input: 4xx JSON with a Korean detail, never a 500,
nothing stored."""

from __future__ import annotations

import base64
import json

import pytest
from django.test import Client

from notify import keys, webpush
from notify.models import Follow, RestockAlert, Subscription, VapidKey
from shops.push_subscriptions import host_allowed
from tests.notify.test_delivery import follow

pytestmark = pytest.mark.django_db


@pytest.fixture
def client():
    return Client(enforce_csrf_checks=True)


def post(client, url, body):
    data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return client.post(url, data, content_type="application/json")


def test_the_public_key_is_generated_once_and_kept(client):
    first = client.get("/api/push/key").json()["public_key"]
    raw = base64.urlsafe_b64decode(first + "=")
    assert len(raw) == 65 and raw[0] == 4  # an uncompressed P-256 point
    keys.forget()  # a restart
    assert client.get("/api/push/key").json()["public_key"] == first
    assert VapidKey.objects.count() == 1


def test_the_public_key_comes_from_the_setting(client, settings):
    private = webpush.generate_private_key()
    settings.WEB_PUSH_VAPID_PRIVATE_KEY = private
    keys.forget()
    expected = webpush.public_key(webpush.load_vapid(private))
    assert client.get("/api/push/key").json() == {"public_key": expected}
    assert not VapidKey.objects.exists()


def test_following_again_updates_never_duplicates(client, push_service, shop):
    browser = push_service.browser()
    first = follow(client, shop, browser)
    again = follow(client, shop, browser, topics=["restock"], night=True)
    assert first == again
    row = Follow.objects.get()
    assert (row.arrivals, row.restock, row.night) == (False, True, True)
    assert Subscription.objects.count() == 1


def test_this_devices_follows_are_listed_by_its_endpoint(client, push_service, shop, other_shop):
    browser = push_service.browser()
    follow(client, shop, browser)
    follow(client, other_shop, browser, topics=["arrivals"])
    follow(client, shop, push_service.browser())
    mine = post(client, "/api/push/follows", {"endpoint": browser.endpoint}).json()
    assert [(f["shop"], f["topics"]) for f in mine] == [
        (other_shop.slug, ["arrivals"]),
        (shop.slug, ["arrivals", "restock"]),
    ]
    assert post(client, "/api/push/follows", {"endpoint": 3}).json() == []


BAD_FOLLOWS = [
    ({"subscription": None}, "invalid_subscription"),
    ({"subscription": "x"}, "invalid_subscription"),
    ({"subscription": {"endpoint": "https://x"}}, "invalid_subscription"),
    ({"topics": []}, "invalid_topics"),
    ({"topics": ["spam"]}, "invalid_topics"),
    ({"topics": "arrivals"}, "invalid_topics"),
    ({"night": "yes"}, "invalid_night"),
]


@pytest.mark.parametrize(("change", "code"), BAD_FOLLOWS)
def test_bad_follow_bodies_are_422_and_store_nothing(client, push_service, shop, change, code):
    body = {"subscription": push_service.browser().subscription, **change}
    response = post(client, f"/api/shops/{shop.slug}/follow", body)
    assert response.status_code == 422, response.content
    assert response.json()["code"] == code and response.json()["detail"]
    assert not Subscription.objects.exists() and not Follow.objects.exists()


@pytest.mark.parametrize(
    "endpoint",
    [
        "https://evil.example/push/1",
        "http://169.254.169.254/latest/meta-data/",
        "https://fcm.googleapis.com.evil.example/x",
        "https://user:pw@fcm.googleapis.com/x",
        "ftp://fcm.googleapis.com/x",
        "http://fcm.googleapis.com/x",  # plain http to a real push service
    ],
)
def test_endpoints_outside_the_allowed_hosts_are_refused(client, shop, settings, endpoint):
    settings.WEB_PUSH_ENDPOINT_HOSTS = ["fcm.googleapis.com"]
    body = {"subscription": {"endpoint": endpoint, "keys": {"p256dh": "x", "auth": "y"}}}
    response = post(client, f"/api/shops/{shop.slug}/follow", body)
    assert response.status_code == 422
    assert response.json()["code"] in ("push_endpoint_not_allowed", "invalid_subscription")
    if "evil" in endpoint or "169.254" in endpoint or endpoint.startswith("http://"):
        assert response.json()["code"] == "push_endpoint_not_allowed"
    assert not Subscription.objects.exists()


def test_the_default_hosts_are_the_browsers_push_services():
    assert host_allowed("fcm.googleapis.com", 443)
    assert host_allowed("updates.push.services.mozilla.com", 443)
    assert host_allowed("web.push.apple.com", 443)
    assert host_allowed("wns2-by3p.notify.windows.com", 443)
    assert not host_allowed("notify.windows.com.evil.example", 443)
    assert not host_allowed("evil.example", 443)
    assert host_allowed("127.0.0.1", 8080, ["127.0.0.1:8080"])
    assert not host_allowed("127.0.0.1", 8081, ["127.0.0.1:8080"])
    assert host_allowed("::1", 9, ["[::1]:9"])


def test_unknown_shop_listing_and_follow_are_404(client, push_service, listing):
    sub = {"subscription": push_service.browser().subscription}
    assert post(client, "/api/shops/nope/follow", sub).json()["code"] == "shop_not_found"
    response = post(client, "/api/listings/999999/restock-alert", sub)
    assert response.status_code == 404 and response.json()["code"] == "listing_not_found"
    response = client.delete("/api/follows/unknown-token")
    assert response.status_code == 404 and response.json()["code"] == "follow_not_found"
    assert not RestockAlert.objects.exists()


def test_malformed_json_is_400(client, shop):
    response = post(client, f"/api/shops/{shop.slug}/follow", b"{nope")
    assert response.status_code == 400 and response.json()["code"] == "malformed_json"


def test_a_renewed_subscription_keeps_what_the_old_one_asked_for(client, push_service, shop):
    old, new = push_service.browser(), push_service.browser()
    token = follow(client, shop, old)
    response = post(
        client,
        "/api/push/resubscribe",
        {"old_endpoint": old.endpoint, "subscription": new.subscription},
    )
    assert response.status_code == 204
    row = Follow.objects.get(token=token)
    assert row.subscription.endpoint == new.endpoint
    assert not Subscription.objects.filter(endpoint=old.endpoint).exists()
    refused = post(
        client,
        "/api/push/resubscribe",
        {
            "old_endpoint": new.endpoint,
            "subscription": {**new.subscription, "endpoint": "https://evil.example/x"},
        },
    )
    assert refused.status_code == 422 and refused.json()["code"] == "push_endpoint_not_allowed"
    assert Follow.objects.get(token=token).subscription.endpoint == new.endpoint


def test_retry_after_is_read_as_seconds_or_an_http_date():
    assert webpush.parse_retry_after("120") == 120
    assert webpush.parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now=1445412480) == 30
    assert webpush.parse_retry_after("soon") is None
    assert webpush.parse_retry_after(None) is None
