from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from livestock.models import Listing, StockEvent
from shops.models import ApiToken, Shop, hash_token

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_seed_demo_is_idempotent_and_prints_slugs_and_login():
    first = run("seed_demo")
    counts = (Shop.objects.count(), Listing.objects.count(), StockEvent.objects.count())
    second = run("seed_demo")
    assert counts == (Shop.objects.count(), Listing.objects.count(), StockEvent.objects.count())
    assert Shop.objects.count() >= 3
    for shop in Shop.objects.all():
        assert shop.slug in first and shop.slug in second
        assert shop.listings.filter(is_active=True, available__gt=0).exists()
    assert "owner" in second and "dongne5km!" in second
    first_shop = Shop.objects.get(slug="mangwon-fruit")
    assert first_shop.service_polygon is None and first_shop.service_radius_m == 5000
    client = Client()
    # Through the login form, as a person signs in (sign-in throttling needs the request).
    signed_in = client.post("/owner/login/", {"username": "owner", "password": "dongne5km!"})
    assert signed_in.status_code == 302, signed_in.content[:300]
    assert client.get("/owner/", follow=True).status_code == 200


def test_shop_token_prints_a_working_token_last():
    run("seed_demo")
    output = run("shop_token", "mangwon-fruit")
    token = output.strip().splitlines()[-1]
    assert ApiToken.objects.filter(key_hash=hash_token(token)).exists()
    listing = Listing.objects.filter(shop__slug="mangwon-fruit").first()
    response = Client().post(
        f"/api/shops/mangwon-fruit/listings/{listing.pk}/stock", {"delta": 1},
        content_type="application/json", headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200


def test_shop_token_for_unknown_shop_fails_clearly():
    with pytest.raises(CommandError, match="No shop"):
        run("shop_token", "nope")
