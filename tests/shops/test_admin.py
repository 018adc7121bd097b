"""An owner sees and edits only their own shops in the admin; stock history is read-only."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.test import Client

from livestock.models import Listing, StockEvent
from shops.models import Shop
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_owner(shop, other_shop):
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # creates the owners' group
    from django.contrib.auth.models import Group

    user = factories.make_owner(shop, username="kim")
    user.groups.add(Group.objects.get(name="가게 사장님"))
    client = Client()
    client.force_login(user)
    return client


def test_owner_lists_only_their_shop_rows(admin_owner, shop, other_shop):
    mine = factories.make_listing(shop, name="내 단감")
    theirs = factories.make_listing(other_shop, name="남의 사과")
    page = admin_owner.get("/admin/livestock/listing/").content.decode()
    assert mine.name in page and theirs.name not in page
    shops_page = admin_owner.get("/admin/shops/shop/").content.decode()
    assert shop.name in shops_page and other_shop.name not in shops_page
    assert admin_owner.get(f"/admin/livestock/listing/{theirs.pk}/change/").status_code == 302
    assert admin_owner.get(f"/admin/shops/shop/{other_shop.pk}/change/").status_code == 302
    history = admin_owner.get("/admin/livestock/stockevent/").content.decode()
    assert "내 단감" in history and "남의 사과" not in history


def test_stock_history_is_read_only(admin_owner, shop):
    listing = factories.make_listing(shop)
    event = StockEvent.objects.get(listing=listing)
    response = admin_owner.post(f"/admin/livestock/stockevent/{event.pk}/change/", {"delta": 999})
    assert response.status_code == 403
    assert admin_owner.get("/admin/livestock/stockevent/add/").status_code == 403
    event.refresh_from_db()
    assert event.delta == 200


def test_owner_cannot_create_a_listing_for_another_shop(admin_owner, shop, other_shop):
    response = admin_owner.post(
        "/admin/livestock/listing/add/",
        {
            "shop": other_shop.pk,
            "name": "몰래",
            "unit": "개",
            "price": 1000,
            "pickup_price": 900,
            "is_active": "on",
            "initial_available": 5,
            "options-TOTAL_FORMS": 0,
            "options-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 200
    assert not Listing.objects.filter(name="몰래").exists()


def test_adding_a_listing_in_admin_goes_through_the_stock_service(admin_owner, shop):
    response = admin_owner.post(
        "/admin/livestock/listing/add/",
        {
            "shop": shop.pk,
            "name": "배",
            "unit": "개",
            "price": 3000,
            "pickup_price": 2500,
            "is_active": "on",
            "initial_available": 30,
            "staff_note": "",
            "options-TOTAL_FORMS": 0,
            "options-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    listing = Listing.objects.get(name="배")
    assert listing.available == 30
    event = StockEvent.objects.get(listing=listing)
    assert (event.reason, event.delta, event.version) == (
        "arrival",
        30,
        Shop.objects.get(pk=shop.pk).stock_version,
    )


def test_editing_in_admin_never_overwrites_the_live_count(admin_owner, shop):
    from livestock import services

    listing = factories.make_listing(shop, available=10)
    form_page = admin_owner.get(f"/admin/livestock/listing/{listing.pk}/change/")
    assert form_page.status_code == 200
    services.adjust_stock(shop=shop, listing_id=listing.pk, delta=-4)  # sold meanwhile
    response = admin_owner.post(
        f"/admin/livestock/listing/{listing.pk}/change/",
        {
            "shop": shop.pk,
            "name": "단감(대)",
            "unit": "팩",
            "price": 9000,
            "pickup_price": 7000,
            "is_active": "on",
            "staff_note": "",
            "options-TOTAL_FORMS": 0,
            "options-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    listing.refresh_from_db()
    assert (listing.name, listing.pickup_price, listing.available) == ("단감(대)", 7000, 6)
    assert StockEvent.objects.latest("version").reason == "edit"


def test_a_listing_or_token_stays_with_its_shop(admin_owner, shop, other_shop):
    from django.contrib.auth.models import User

    from shops.models import ApiToken, Membership

    user = User.objects.get(username="kim")
    Membership.objects.create(shop=other_shop, user=user, role=Membership.Role.OWNER)
    listing = factories.make_listing(shop, available=10)
    response = admin_owner.post(
        f"/admin/livestock/listing/{listing.pk}/change/",
        {
            "shop": other_shop.pk,
            "name": "단감",
            "unit": "팩",
            "price": 9000,
            "pickup_price": 7000,
            "is_active": "on",
            "staff_note": "",
            "options-TOTAL_FORMS": 0,
            "options-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 302
    listing.refresh_from_db()
    assert listing.shop_id == shop.pk
    token, _raw = ApiToken.issue(shop)
    user.user_permissions.add(
        *Permission.objects.filter(codename__in=["change_apitoken", "view_apitoken"])
    )
    response = admin_owner.post(
        f"/admin/shops/apitoken/{token.pk}/change/",
        {"shop": other_shop.pk, "name": "pos", "revoked_at_0": "", "revoked_at_1": ""},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    token.refresh_from_db()
    assert (token.shop_id, token.name) == (shop.pk, "pos")
