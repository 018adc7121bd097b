""" "1인 최대 N팩": what one customer (device, phone, network) may hold of one listing.

The review's reproduction: one client with fresh random phone numbers reserved all 200 단감.
Now one reservation and one customer's open reservations stop at the listing's limit (the
owner's, or PICKUP_MAX_UNITS_PER_CLIENT), counted by device cookie and phone; every client is
also counted by network address with PICKUP_NETWORK_ALLOWANCE times as much.
"""

from __future__ import annotations

import json

import pytest
from django.test import Client, override_settings

from livestock import services as stock
from livestock.models import Listing, StockEvent
from livestock.services import OptionSpec
from pickup import clients
from pickup.models import Reservation
from pickup.services import reservations
from shops.errors import Conflict, InvalidInput, RateLimited
from tests import factories

pytestmark = pytest.mark.django_db

phones = (f"010-{7000 + i // 10000:04d}-{i % 10000:04d}" for i in range(10**6))


def reserve(shop, listing, point, quantity=1, client=None, option=None, phone=None):
    return reservations.reserve(
        shop=shop,
        listing_id=listing.pk,
        quantity=quantity,
        pickup_point_id=point.pk,
        name="김동네",
        phone=phone or next(phones),
        client=client,
        option_id=option.pk if option else None,
    )[0]


def available(listing) -> int:
    return Listing.objects.get(pk=listing.pk).available


@pytest.fixture
def limited(shop):
    return factories.make_listing(shop, "단감", 200, max_per_customer=5)


def test_one_reservation_may_not_take_more_than_the_limit(shop, limited, cafe_point, clock):
    with pytest.raises(Conflict) as exc:
        reserve(shop, limited, cafe_point, quantity=6)
    assert exc.value.code == "limit_per_customer" and exc.value.status == 409
    assert exc.value.extra == {"limit": 5, "unit": "팩", "held": 0}
    assert "1인 최대 5팩" in exc.value.detail
    assert available(limited) == 200 and not Reservation.objects.exists()
    reserve(shop, limited, cafe_point, quantity=5)
    assert available(limited) == 195


def test_options_count_in_base_units(shop, cafe_point, clock):
    listing = factories.make_listing(
        shop, "귤", 100, max_per_customer=5, options=[OptionSpec("1박스", 3, 9000, 8000)]
    )
    option = listing.options.get()
    with pytest.raises(Conflict):
        reserve(shop, listing, cafe_point, quantity=2, option=option)  # 6 units
    reserve(shop, listing, cafe_point, quantity=1, option=option)


def test_new_phone_numbers_do_not_reset_what_one_device_holds(shop, limited, cafe_point, clock):
    device = clients.Client(device="d" * 64, network="n" * 64)
    reserve(shop, limited, cafe_point, quantity=3, client=device)
    with pytest.raises(Conflict) as exc:
        reserve(shop, limited, cafe_point, quantity=3, client=device)
    assert exc.value.extra == {"limit": 5, "unit": "팩", "held": 3}
    assert "이미 3팩" in exc.value.detail
    reserve(shop, limited, cafe_point, quantity=2, client=device)
    # Another device behind the same carrier address is another customer.
    reserve(
        shop,
        limited,
        cafe_point,
        quantity=5,
        client=clients.Client(device="e" * 64, network="n" * 64),
    )
    assert available(limited) == 190


def test_one_phone_on_several_devices_is_one_customer(shop, limited, cafe_point, clock):
    reserve(
        shop,
        limited,
        cafe_point,
        quantity=4,
        phone="010-1111-2222",
        client=clients.Client(device="a" * 64),
    )
    with pytest.raises(Conflict):
        reserve(
            shop,
            limited,
            cafe_point,
            quantity=2,
            phone="010-1111-2222",
            client=clients.Client(device="b" * 64),
        )


@override_settings(PICKUP_NETWORK_ALLOWANCE=3)
def test_one_network_holds_at_most_the_allowance_times_the_limit(shop, limited, cafe_point, clock):
    def from_network(device: str = "") -> clients.Client:
        return clients.Client(device=device, network="n" * 64)

    for _ in range(3):  # no cookie: each request a new phone, 15 = 5 × 3 units in all
        reserve(shop, limited, cafe_point, quantity=5, client=from_network())
    with pytest.raises(RateLimited) as exc:
        reserve(shop, limited, cafe_point, quantity=1, client=from_network("x" * 64))
    assert exc.value.code == "limit_per_network" and exc.value.status == 429
    reserve(
        shop, limited, cafe_point, quantity=5, client=clients.Client(network="m" * 64)
    )  # another address
    assert available(limited) == 180


def test_the_limit_is_per_listing_and_frees_up_when_a_reservation_ends(
    shop, limited, cafe_point, clock
):
    device = clients.Client(device="d" * 64, network="n" * 64)
    first = reserve(shop, limited, cafe_point, quantity=5, client=device)
    other = factories.make_listing(shop, "사과", 50, max_per_customer=5)
    reserve(shop, other, cafe_point, quantity=5, client=device)
    with pytest.raises(Conflict):
        reserve(shop, limited, cafe_point, quantity=1, client=device)
    held = Reservation.objects.get(pk=first.pk)
    reservations.cancel_reservation(reservation_id=held.pk, by="customer")
    held.refresh_from_db()
    assert (held.client_device, held.client_network) == ("", "")  # kept only while open
    reserve(shop, limited, cafe_point, quantity=5, client=device)


@override_settings(PICKUP_MAX_UNITS_PER_CLIENT=3)
def test_without_an_owner_limit_the_project_default_applies(shop, cafe_point, clock):
    listing = factories.make_listing(shop, "배", 100)
    assert listing.max_per_customer is None and listing.per_customer_limit == 3
    with pytest.raises(Conflict) as exc:
        reserve(shop, listing, cafe_point, quantity=4)
    assert exc.value.extra["limit"] == 3


def test_only_keyed_hashes_are_stored(shop, limited, cafe_point, clock):
    request = Client().get("/").wsgi_request
    request.META["REMOTE_ADDR"] = "203.0.113.7"
    who = clients.client_for(request, "203.0.113.7")
    assert who.device == "" and len(who.network) == 64 and "203.0.113.7" not in who.network


# --- through the API, the no-JS form and the pages -------------------------------------


def post(client, shop, body):
    return client.post(
        f"/api/shops/{shop.slug}/reservations", json.dumps(body), content_type="application/json"
    )


def test_the_reviews_reproduction_is_stopped_at_the_limit(shop, limited, cafe_point, clock):
    """One browser, a fresh valid phone number for every request."""
    browser = Client()
    page = browser.get(f"/s/{shop.slug}/")
    cookie = page.cookies[clients.DEVICE_COOKIE]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    statuses = []
    for _ in range(10):
        response = post(
            browser,
            shop,
            {
                "listing_id": limited.pk,
                "quantity": 1,
                "pickup_point_id": cafe_point.pk,
                "name": "봇",
                "phone": next(phones),
            },
        )
        statuses.append(response.status_code)
    assert statuses == [201] * 5 + [409] * 5
    body = response.json()
    assert body["code"] == "limit_per_customer" and body["limit"] == 5 and body["held"] == 5
    assert "1인 최대 5팩" in body["detail"]
    assert available(limited) == 195


@override_settings(PICKUP_NETWORK_ALLOWANCE=4)
def test_a_script_without_cookies_is_held_by_its_address(shop, limited, cafe_point, clock):
    statuses = [
        post(
            Client(),
            shop,
            {
                "listing_id": limited.pk,
                "quantity": 5,
                "pickup_point_id": cafe_point.pk,
                "name": "봇",
                "phone": next(phones),
            },
        ).status_code
        for _ in range(6)
    ]
    assert statuses == [201] * 4 + [429] * 2
    assert available(limited) == 180
    # An API client that keeps cookies gets its device cookie from the first answer.
    first = post(
        Client(REMOTE_ADDR="10.0.0.8"),
        shop,
        {
            "listing_id": limited.pk,
            "quantity": 1,
            "pickup_point_id": cafe_point.pk,
            "name": "앱",
            "phone": next(phones),
        },
    )
    assert first.status_code == 201 and first.cookies[clients.DEVICE_COOKIE]["httponly"]
    other_address = Client(REMOTE_ADDR="10.0.0.9")
    assert (
        post(
            other_address,
            shop,
            {
                "listing_id": limited.pk,
                "quantity": 5,
                "pickup_point_id": cafe_point.pk,
                "name": "이웃",
                "phone": next(phones),
            },
        ).status_code
        == 201
    )


def test_the_no_js_form_shows_the_limit(shop, limited, cafe_point, clock):
    browser = Client()
    browser.get(f"/s/{shop.slug}/")
    response = browser.post(
        f"/s/{shop.slug}/reserve/",
        {
            "item": str(limited.pk),
            "quantity": "6",
            "slot": str(cafe_point.pk),
            "name": "김동네",
            "phone": "010-1234-5678",
            "consent": "1",
            "idempotency_key": "f-1",
        },
    )
    assert response.status_code == 409
    assert "이 상품은 1인 최대 5팩까지 예약할 수 있습니다." in response.content.decode()
    assert not Reservation.objects.exists()


def test_the_shop_page_and_the_live_listing_show_the_limit(shop, limited, cafe_point, clock):
    page = Client().get(f"/s/{shop.slug}/").content.decode()
    assert "1인 최대 5팩" in page
    assert 'data-limit="5"' in page  # the reserve form's item
    assert (
        StockEvent.objects.filter(listing=limited).latest("version").payload["max_per_customer"]
        == 5
    )
    english = Client(headers={"Accept-Language": "en"}).get(f"/s/{shop.slug}/")
    assert "Max 5 팩 per person" in english.content.decode()


# --- the owner sets it: console, API, admin --------------------------------------------


def test_the_owner_sets_the_limit_in_the_console(owner_client, shop):
    from tests.livestock.test_owner_console import arrival_form

    response = owner_client.post(
        f"/owner/s/{shop.slug}/listings/new/", arrival_form(max_per_customer="4")
    )
    assert response.status_code == 302
    assert Listing.objects.get().max_per_customer == 4
    form = owner_client.get(f"/owner/s/{shop.slug}/listings/new/").content.decode()
    assert 'name="max_per_customer"' in form and "1인 최대 수량" in form
    bad = owner_client.post(
        f"/owner/s/{shop.slug}/listings/new/", arrival_form(max_per_customer="0", name="배")
    )
    assert bad.status_code == 400 and not Listing.objects.filter(name="배").exists()


def test_the_api_creates_and_edits_the_limit(api, shop):
    created = api.post(
        f"/api/shops/{shop.slug}/listings",
        json.dumps(
            {
                "name": "단감",
                "unit": "팩",
                "available": 100,
                "price": 9000,
                "pickup_price": 7900,
                "max_per_customer": 3,
            }
        ),
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    listing_id = created.json()["id"]
    assert created.json()["max_per_customer"] == 3
    url = f"/api/shops/{shop.slug}/listings/{listing_id}"
    edited = api.patch(url, json.dumps({"max_per_customer": 8}), content_type="application/json")
    assert edited.status_code == 200, edited.content
    assert edited.json()["max_per_customer"] == 8 and edited.json()["name"] == "단감"
    back = api.patch(url, json.dumps({"max_per_customer": None}), content_type="application/json")
    assert back.json()["max_per_customer"] == Listing.objects.get().per_customer_limit
    assert Listing.objects.get().max_per_customer is None
    for bad in (0, -1, 10**7):
        response = api.patch(
            url, json.dumps({"max_per_customer": bad}), content_type="application/json"
        )
        assert response.status_code == 422
        assert response.json()["code"] == "invalid_max_per_customer"
    for bad in ("5", True, 1.5):
        response = api.patch(
            url, json.dumps({"max_per_customer": bad}), content_type="application/json"
        )
        assert 400 <= response.status_code < 500 and "code" in response.json()


def test_the_service_refuses_a_bad_limit(shop):
    for bad in (0, True, "3", 2.5):
        with pytest.raises(InvalidInput):
            stock.post_arrival(
                shop=shop,
                name="배",
                unit="개",
                available=3,
                price=1000,
                pickup_price=900,
                max_per_customer=bad,
            )


def test_the_admin_sets_the_limit(shop):
    from django.contrib.auth import get_user_model

    admin = get_user_model().objects.create_superuser("root", "root@example.com", "pw-1234-xy")
    client = Client()
    client.force_login(admin)
    response = client.post(
        "/admin/livestock/listing/add/",
        {
            "shop": shop.pk,
            "name": "배",
            "unit": "개",
            "price": 3000,
            "pickup_price": 2500,
            "max_per_customer": 2,
            "is_active": "on",
            "initial_available": 30,
            "staff_note": "",
            "options-TOTAL_FORMS": 0,
            "options-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Listing.objects.get(name="배").max_per_customer == 2


@override_settings(PICKUP_MAX_ACTIVE_PER_PHONE=2, PICKUP_NETWORK_ALLOWANCE=2)
def test_fresh_numbers_do_not_fill_the_shops_windows_from_one_device(shop, cafe_point, clock):
    """The window-capacity form of the same abuse: many 1-unit reservations, new numbers."""
    listings = [factories.make_listing(shop, name, 50) for name in ("단감", "귤", "사과")]
    device = clients.Client(device="d" * 64, network="n" * 64)
    reserve(shop, listings[0], cafe_point, client=device)
    reserve(shop, listings[1], cafe_point, client=device)
    with pytest.raises(RateLimited) as exc:
        reserve(shop, listings[2], cafe_point, client=device)
    assert exc.value.code == "too_many_active_reservations" and "한 기기로" in exc.value.detail
    # Without the cookie the same address gets twice as many open reservations, no more.
    reserve(shop, listings[2], cafe_point, client=clients.Client(network="n" * 64))
    reserve(shop, listings[2], cafe_point, client=clients.Client(network="n" * 64))
    with pytest.raises(RateLimited) as exc:
        reserve(shop, listings[2], cafe_point, client=clients.Client(network="n" * 64))
    assert exc.value.code == "limit_per_network"
    reserve(shop, listings[2], cafe_point, client=clients.Client(device="e" * 64, network="m" * 64))
