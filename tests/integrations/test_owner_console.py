"""The owner console's integrations pages: webhooks and API tokens, plain forms."""

from __future__ import annotations

import pytest
from django.test import Client

from integrations import delivery
from integrations.models import Delivery, WebhookEndpoint
from livestock import services as stock
from shops.models import ApiToken, hash_token
from tests import factories

pytestmark = pytest.mark.django_db


def page(shop) -> str:
    return f"/owner/s/{shop.slug}/integrations/"


def test_adding_a_webhook_shows_its_secret_once(owner_client, shop, receiver):
    response = owner_client.post(
        f"{page(shop)}webhooks/",
        {"url": receiver.url, "events": ["stock.changed", "reservation.ready"]},
    )
    assert response.status_code == 200
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.events == ["stock.changed", "reservation.ready"]
    html = response.content.decode()
    assert endpoint.secret in html and response["Cache-Control"] == "no-store"
    again = owner_client.get(page(shop)).content.decode()
    assert endpoint.secret not in again and receiver.url in again


def test_a_bad_webhook_form_says_why_and_stores_nothing(owner_client, shop, settings):
    settings.WEBHOOK_ALLOW_INSECURE = False
    response = owner_client.post(
        f"{page(shop)}webhooks/", {"url": "http://10.0.0.1/x", "events": ["stock.changed"]}
    )
    assert response.status_code == 422
    assert not WebhookEndpoint.objects.exists()
    response = owner_client.post(f"{page(shop)}webhooks/", {"url": "https://x.example/"})
    assert response.status_code == 422
    assert "이벤트" in response.content.decode()


def test_pause_resume_rotate_delete(owner_client, shop, receiver):
    owner_client.post(f"{page(shop)}webhooks/", {"url": receiver.url, "events": ["stock.changed"]})
    endpoint = WebhookEndpoint.objects.get()
    base = f"{page(shop)}webhooks/{endpoint.pk}/"
    owner_client.post(f"{base}pause/")
    assert WebhookEndpoint.objects.get().status == "paused"
    owner_client.post(f"{base}resume/")
    assert WebhookEndpoint.objects.get().status == "active"
    response = owner_client.post(f"{base}rotate/")
    rotated = WebhookEndpoint.objects.get()
    assert rotated.secret != endpoint.secret and rotated.secret in response.content.decode()
    assert rotated.previous_secret == endpoint.secret
    assert owner_client.post(f"{base}explode/").status_code == 404
    owner_client.post(f"{base}delete/")
    assert not WebhookEndpoint.objects.exists()


def test_the_delivery_log_and_resend(owner_client, shop, listing, receiver):
    owner_client.post(f"{page(shop)}webhooks/", {"url": receiver.url, "events": ["stock.changed"]})
    endpoint = WebhookEndpoint.objects.get()
    stock.adjust_stock(shop=shop, listing_id=listing.pk, delta=-1, reason="counter_sale")
    delivery.deliver_endpoint(endpoint_id=endpoint.pk)
    log = owner_client.get(f"{page(shop)}webhooks/{endpoint.pk}/")
    html = log.content.decode()
    assert log.status_code == 200 and "stock.changed" in html and "200" in html
    sent = Delivery.objects.get()
    owner_client.post(f"{page(shop)}webhooks/{endpoint.pk}/resend/", {"delivery": sent.pk})
    assert Delivery.objects.filter(message_id=sent.message_id).count() == 2
    response = owner_client.post(
        f"{page(shop)}webhooks/{endpoint.pk}/resend/", {"since": "not a time"}, follow=True
    )
    assert "시각" in response.content.decode()


def test_a_disabled_endpoint_is_announced_on_the_page(owner_client, shop):
    endpoint = WebhookEndpoint.objects.create(
        shop=shop, url="https://x.example/", events=["stock.changed"], secret="whsec_AAAA"
    )
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(status="disabled")
    html = owner_client.get(page(shop)).content.decode()
    assert f'data-webhook-disabled="{endpoint.pk}"' in html


def test_tokens_are_made_with_scopes_shown_once_and_revoked(owner_client, shop):
    response = owner_client.post(
        f"{page(shop)}tokens/", {"name": "POS", "scopes": ["reservations:read"]}
    )
    assert response.status_code == 200
    token = ApiToken.objects.get()
    assert token.scopes == ["reservations:read"]
    raw = [w for w in response.content.decode().split('"') if w.startswith("d5k_")][0]
    assert hash_token(raw) == token.key_hash
    assert raw not in owner_client.get(page(shop)).content.decode()
    owner_client.post(f"{page(shop)}tokens/{token.pk}/revoke/")
    assert ApiToken.objects.get().revoked_at is not None
    response = owner_client.post(f"{page(shop)}tokens/", {"name": "x", "scopes": []})
    assert response.status_code == 422 and ApiToken.objects.count() == 1


def test_someone_elses_shop_is_404(shop, other_shop):
    stranger = factories.make_owner(other_shop, username="stranger")
    client = Client()
    client.force_login(stranger)
    assert client.get(page(shop)).status_code == 404
    assert client.post(f"{page(shop)}tokens/", {"scopes": ["stock:write"]}).status_code == 404
    assert not ApiToken.objects.exists()
