"""``manage.py seed_demo``: a demo neighbourhood, safe to run again."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.test import Client

from livestock.models import Listing, StockEvent
from pickup.models import PickupPlace, PickupPoint
from shops.models import Shop
from shops.selectors import service_area

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


def test_seed_demo_has_partner_cafes_shared_and_is_idempotent():
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    counts = (Shop.objects.count(), PickupPlace.objects.count(), PickupPoint.objects.count())
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    assert (
        Shop.objects.count(),
        PickupPlace.objects.count(),
        PickupPoint.objects.count(),
    ) == counts
    shops = list(Shop.objects.order_by("pk"))
    assert shops[0].slug == "mangwon-fruit" and shops[0].service_polygon is None
    for shop in shops:
        cafes = PickupPoint.objects.filter(shop=shop, is_shop_counter=False, status="active")
        assert cafes.count() >= 2
        assert PickupPoint.objects.filter(shop=shop, is_shop_counter=True).count() == 1
        area = service_area(shop)
        assert all(area.contains(p.place.lat, p.place.lng) for p in cafes.select_related("place"))
    shared = [place for place in PickupPlace.objects.all() if place.partnerships.count() >= 2]
    assert shared
