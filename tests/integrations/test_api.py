"""Webhook endpoints over the API: the contract, every bad input, and who may do it."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from integrations import delivery
from integrations.models import Delivery, WebhookEndpoint
from livestock import services as stock
from shops import services as shop_services
from tests import factories

pytestmark = pytest.mark.django_db


def base(shop) -> str:
    return f"/api/shops/{shop.slug}/webhooks"


def post(client: Client, path: str, body) -> object:
    data = body if isinstance(body, str) else json.dumps(body)
    return client.post(path, data=data, content_type="application/json")


def create(client, shop, receiver, events=("stock.changed",)):
    response = post(client, base(shop), {"url": receiver.url, "events": list(events)})
    assert response.status_code == 201, response.content
    return response.json()


def test_create_shows_the_secret_once_and_list_never_does(api, shop, receiver):
    created = create(api, shop, receiver, ["stock.changed", "reservation.ready"])
    assert set(created) >= {"id", "url", "events", "secret"}
    assert created["secret"].startswith("whsec_") and len(created["secret"]) > 40
    assert created["events"] == ["stock.changed", "reservation.ready"]
    assert created["url"] == receiver.url and created["status"] == "active"
    listed = api.get(base(shop)).json()
    assert [e["id"] for e in listed] == [created["id"]]
    assert "secret" not in listed[0]
    assert created["secret"] not in api.get(base(shop)).content.decode()


@pytest.mark.parametrize(
    "body, status, code",
    [
        ("{", 400, "malformed_json"),
        ({"events": ["stock.changed"]}, 422, "url_required"),
        ({"url": "ftp://x.example/", "events": ["stock.changed"]}, 422, "invalid_url"),
        ({"url": "https://user:pw@x.example/", "events": ["stock.changed"]}, 422, "invalid_url"),
        ({"url": 5, "events": ["stock.changed"]}, 422, "url_required"),
        ({"url": "https://x.example/a b", "events": ["stock.changed"]}, 422, "invalid_url"),
        ({"url": "https://x.example/" + "a" * 2001, "events": ["stock.changed"]}, 422, None),
        ({"url": "https://x.example/"}, 422, "events_required"),
        ({"url": "https://x.example/", "events": []}, 422, "events_required"),
        ({"url": "https://x.example/", "events": "stock.changed"}, 422, "events_required"),
        ({"url": "https://x.example/", "events": ["stock.exploded"]}, 422, "unknown_event"),
        ({"url": "https://x.example/", "events": [{"a": 1}]}, 422, "unknown_event"),
    ],
)
def test_bad_input_is_a_clear_4xx_and_nothing_is_stored(api, shop, body, status, code):
    response = post(api, base(shop), body)
    assert response.status_code == status, response.content
    answer = response.json()
    assert answer["detail"]
    if code:
        assert answer["code"] == code
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize(
    "url, code",
    [
        ("http://pos.example.com/hooks", "https_required"),
        ("https://127.0.0.1/hooks", "address_not_allowed"),
        ("https://10.1.2.3/hooks", "address_not_allowed"),
        ("https://[::1]/hooks", "address_not_allowed"),
        ("https://169.254.169.254/latest", "address_not_allowed"),
        ("https://localhost/hooks", "address_not_allowed"),
    ],
)
def test_insecure_and_inside_urls_are_refused_unless_allowed(api, shop, settings, url, code):
    settings.WEBHOOK_ALLOW_INSECURE = False
    response = post(api, base(shop), {"url": url, "events": ["stock.changed"]})
    assert response.status_code == 422
    assert response.json()["code"] == code
    settings.WEBHOOK_ALLOW_INSECURE = True
    assert post(api, base(shop), {"url": url, "events": ["stock.changed"]}).status_code == 201


def test_delete_stops_everything(api, shop, listing, receiver):
    created = create(api, shop, receiver)
    stock.adjust_stock(shop=shop, listing_id=listing.pk, delta=-1, reason="counter_sale")
    assert Delivery.objects.count() == 1
    response = api.delete(f"{base(shop)}/{created['id']}")
    assert response.status_code == 204
    assert not Delivery.objects.exists() and api.get(base(shop)).json() == []
    assert api.delete(f"{base(shop)}/{created['id']}").json()["code"] == "webhook_not_found"


def test_deliveries_show_status_time_code_and_latency(api, shop, listing, receiver):
    created = create(api, shop, receiver)
    receiver.fail_next("503")
    stock.adjust_stock(shop=shop, listing_id=listing.pk, delta=-1, reason="counter_sale")
    delivery.deliver_endpoint(endpoint_id=created["id"])
    attempts = api.get(f"{base(shop)}/{created['id']}/deliveries").json()
    [attempt] = attempts
    assert attempt["status_code"] == 503 and attempt["succeeded"] is False
    assert attempt["delivery_status"] == "pending" and attempt["next_attempt_at"]
    assert attempt["type"] == "stock.changed" and attempt["webhook_id"].startswith("msg_")
    assert attempt["attempted_at"] and attempt["latency_ms"] >= 0
    response = post(
        api, f"{base(shop)}/{created['id']}/deliveries/{attempt['delivery_id']}/resend", {}
    )
    assert response.status_code == 409 and response.json()["code"] == "delivery_pending"


def test_rotate_pause_resume_and_resend_since(api, shop, listing, receiver):
    created = create(api, shop, receiver)
    rotated = post(api, f"{base(shop)}/{created['id']}/rotate-secret", {"overlap_hours": 1})
    assert rotated.status_code == 200
    assert rotated.json()["secret"] != created["secret"]
    assert rotated.json()["previous_secret_until"]
    bad = post(api, f"{base(shop)}/{created['id']}/rotate-secret", {"overlap_hours": "1"})
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_overlap"
    paused = post(api, f"{base(shop)}/{created['id']}/pause", {})
    assert paused.json()["status"] == "paused"
    assert post(api, f"{base(shop)}/{created['id']}/resume", {}).json()["status"] == "active"
    for since in ("yesterday", "", None, 5, "2999-01-01T00:00:00+09:00"):
        response = post(api, f"{base(shop)}/{created['id']}/resend", {"since": since})
        assert response.status_code == 422, since
        assert response.json()["code"] == "invalid_since"
    response = post(api, f"{base(shop)}/{created['id']}/resend", {"since": "2020-01-01T00:00:00"})
    assert response.status_code == 202 and response.json() == {"queued": 0}


def test_scope_and_shop_are_checked(shop, other_shop, receiver):
    _t, raw = shop_services.issue_api_token(shop=shop, name="pos", scopes=["stock:write"])
    client = Client(headers={"Authorization": f"Bearer {raw}"})
    response = post(client, base(shop), {"url": receiver.url, "events": ["stock.changed"]})
    assert response.status_code == 403 and response.json()["scope"] == "webhooks:manage"
    other = Client(headers={"Authorization": f"Bearer {factories.make_token(other_shop)}"})
    assert other.get(base(shop)).status_code == 403
    assert Client().get(base(shop)).status_code == 401
    assert not WebhookEndpoint.objects.exists()


def test_another_shops_endpoint_is_not_found(api, shop, other_shop, receiver):
    theirs = create(
        Client(headers={"Authorization": f"Bearer {factories.make_token(other_shop)}"}),
        other_shop,
        receiver,
    )
    assert api.delete(f"{base(shop)}/{theirs['id']}").status_code == 404
    assert api.get(f"{base(shop)}/{theirs['id']}/deliveries").status_code == 404
    assert WebhookEndpoint.objects.filter(pk=theirs["id"]).exists()


def test_the_owner_session_works(owner_client, shop, receiver):
    assert create(owner_client, shop, receiver)["secret"].startswith("whsec_")
