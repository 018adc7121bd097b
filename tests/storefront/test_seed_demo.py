"""``manage.py seed_demo``: a demo neighbourhood, safe to run again."""

from __future__ import annotations

import io
import json

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


def test_demo_has_real_hours(db, clock):
    from shops.models import ShopCalendar

    call_command("seed_demo", stdout=io.StringIO())
    call_command("seed_demo", stdout=io.StringIO())  # idempotent
    bakery = ShopCalendar.objects.get(shop__slug="yeonnam-bakery").weekly
    assert bakery["mon"] == [] and bakery["tue"] == [["10:00", "20:00"]]
    naru = PickupPlace.objects.get(name="카페 나루").weekly_hours
    assert naru["wed"] == [["10:00", "14:00"], ["15:00", "22:00"]]
    # Friday 2026-11-20: the bakery page says it is open; Monday it is closed.
    page = Client().get("/s/yeonnam-bakery/").content.decode()
    assert "영업 중 · 20:00까지" in page
    monday = Client().post(
        "/api/shops/yeonnam-bakery/reservations",
        json.dumps(
            {
                "listing_id": Listing.objects.filter(shop__slug="yeonnam-bakery").first().pk,
                "quantity": 1,
                "pickup_point_id": PickupPoint.objects.filter(
                    shop__slug="yeonnam-bakery", is_shop_counter=True
                )
                .get()
                .pk,
                "pickup_date": "2026-11-23",
                "name": "김동네",
                "phone": "010-1234-5678",
            }
        ),
        content_type="application/json",
    )
    assert (monday.status_code, monday.json()["code"]) == (422, "shop_closed")
