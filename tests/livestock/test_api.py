"""Stock and listing writes over the API, including every kind of bad input."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from livestock.models import Listing, StockEvent
from shops.models import Shop
from tests import factories

pytestmark = pytest.mark.django_db


def post(client: Client, url: str, body, **headers):
    data = body if isinstance(body, str) else json.dumps(body)
    return client.post(url, data=data, content_type="application/json", headers=headers)


def stock_url(shop: Shop, listing: Listing) -> str:
    return f"/api/shops/{shop.slug}/listings/{listing.pk}/stock"


def state(listing: Listing) -> tuple[int, int, int]:
    listing.refresh_from_db()
    return (
        listing.available,
        StockEvent.objects.count(),
        Shop.objects.get(pk=listing.shop_id).stock_version,
    )


def assert_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert isinstance(body["code"], str) and body["code"]
    assert isinstance(body["detail"], str) and body["detail"]
    if code:
        assert body["code"] == code
    return body


def test_delta_and_set(api, shop, listing):
    response = post(api, stock_url(shop, listing), {"delta": -3, "reason": "counter_sale"})
    assert response.status_code == 200
    assert response.json()["available"] == 197
    version = response.json()["version"]
    response = post(api, stock_url(shop, listing), {"set": 50})
    assert response.json() == {
        "available": 50,
        "version": version + 1,
        "listing_id": listing.pk,
        "replayed": False,
    }
    event = StockEvent.objects.get(version=version + 1, shop=shop)
    assert (event.delta, event.reason, event.actor_label[:6]) == (-147, "set", "token:")


def test_insufficient_stock_is_409_with_available(api, shop, listing):
    before = state(listing)
    body = assert_error(
        post(api, stock_url(shop, listing), {"delta": -500}), 409, "insufficient_stock"
    )
    assert body["available"] == 200
    assert state(listing) == before


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"delta": -1.5}, 422),
        ({"delta": 2.0}, 422),
        ({"delta": "3"}, 422),
        ({"delta": "many"}, 422),
        ({"delta": True}, 422),
        ({"set": -1}, 422),
        ({"set": 10**12}, 422),
        ({"delta": 10**12}, 422),
        ({"delta": -(10**12)}, 422),
        ({"set": 10**30}, 422),
        ({"delta": 0}, 422),
        ({"set": 5, "delta": 1}, 422),
        ({}, 422),
        ({"delta": None}, 422),
        ({"delta": 1, "reason": "x" * 500}, 422),
        ({"delta": 1, "reason": "made_up"}, 422),
        ([1, 2, 3], 422),
        ("null", 422),
        ("{not json", 400),
        ("", 422),
    ],
)
def test_bad_stock_input_is_4xx_and_changes_nothing(api, shop, listing, body, status):
    before = state(listing)
    assert_error(post(api, stock_url(shop, listing), body), status)
    assert state(listing) == before


def test_unknown_listing_is_404(api, shop, listing):
    response = post(api, f"/api/shops/{shop.slug}/listings/999999/stock", {"delta": 1})
    assert_error(response, 404, "listing_not_found")


def test_listing_of_another_shop_is_404_and_untouched(api, shop, other_shop):
    foreign = factories.make_listing(other_shop, available=5)
    before = state(foreign)
    assert_error(
        post(api, f"/api/shops/{shop.slug}/listings/{foreign.pk}/stock", {"delta": -1}), 404
    )
    assert state(foreign) == before


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong"},
        {"Authorization": "Basic abc"},
        {"Authorization": "Bearer " + "x" * 5000},
    ],
)
def test_missing_or_wrong_token_is_401(shop, listing, headers):
    before = state(listing)
    assert_error(
        post(Client(), stock_url(shop, listing), {"delta": 1}, **headers), 401, "unauthorized"
    )
    assert state(listing) == before


def test_other_shops_token_is_403(shop, listing, other_token):
    before = state(listing)
    response = post(
        Client(), stock_url(shop, listing), {"delta": 1}, Authorization=f"Bearer {other_token}"
    )
    assert_error(response, 403, "forbidden")
    assert state(listing) == before


def test_revoked_token_is_401(shop, listing, token):
    from django.utils import timezone

    from shops.models import ApiToken

    ApiToken.objects.update(revoked_at=timezone.now())
    response = post(
        Client(), stock_url(shop, listing), {"delta": 1}, Authorization=f"Bearer {token}"
    )
    assert_error(response, 401)


def test_tokens_are_stored_hashed(shop, token):
    from shops.models import ApiToken, hash_token

    stored = ApiToken.objects.get()
    assert stored.key_hash == hash_token(token)
    assert token not in {stored.key_hash, stored.hint, stored.name}


def test_unknown_shop_is_404(api):
    assert_error(post(api, "/api/shops/nope/listings/1/stock", {"delta": 1}), 404)


def test_idempotency_key_replays_instead_of_applying_twice(api, shop, listing):
    first = post(api, stock_url(shop, listing), {"delta": -5}, **{"Idempotency-Key": "k-1"})
    second = post(api, stock_url(shop, listing), {"delta": -5}, **{"Idempotency-Key": "k-1"})
    assert first.status_code == second.status_code == 200
    assert first.json()["available"] == second.json()["available"] == 195
    assert second.json()["replayed"] is True
    listing.refresh_from_db()
    assert listing.available == 195
    assert StockEvent.objects.filter(delta=-5).count() == 1


def test_idempotency_key_reused_for_a_different_body_is_refused(api, shop, listing):
    post(api, stock_url(shop, listing), {"delta": -5}, **{"Idempotency-Key": "k-2"})
    before = state(listing)
    assert_error(
        post(api, stock_url(shop, listing), {"delta": -6}, **{"Idempotency-Key": "k-2"}),
        422,
        "idempotency_key_reused",
    )
    assert state(listing) == before


def test_session_auth_needs_csrf(owner, shop, listing):
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    before = state(listing)
    assert_error(post(client, stock_url(shop, listing), {"delta": 1}), 403, "csrf_failed")
    assert state(listing) == before
    client.get(f"/owner/s/{shop.slug}/")  # its forms set the csrftoken cookie
    csrf = client.cookies["csrftoken"].value
    response = post(client, stock_url(shop, listing), {"delta": 1}, **{"X-CSRFToken": csrf})
    assert response.status_code == 200
    assert response.json()["available"] == 201


def test_member_of_another_shop_is_403(shop, listing, other_shop):
    stranger = factories.make_owner(other_shop, username="stranger")
    client = Client()
    client.force_login(stranger)
    assert_error(post(client, stock_url(shop, listing), {"delta": 1}), 403)


# --- listings -----------------------------------------------------------------------------


def listing_body(**overrides):
    body = {"name": "단감", "unit": "팩", "available": 200, "price": 9000, "pickup_price": 7900}
    body.update(overrides)
    return body


def test_create_listing_returns_201_with_L(api, shop):
    response = post(
        api,
        f"/api/shops/{shop.slug}/listings",
        listing_body(options=[{"label": "반팩", "units": 1, "price": 5000, "pickup_price": 4200}]),
    )
    assert response.status_code == 201
    body = response.json()
    for field in ("id", "name", "unit", "available", "price", "pickup_price", "status"):
        assert field in body
    assert (body["name"], body["available"], body["status"]) == ("단감", 200, "on_sale")
    assert body["options"][0]["label"] == "반팩"
    assert StockEvent.objects.get(listing_id=body["id"]).reason == "arrival"


def test_markup_in_a_name_is_stored_as_given_and_escaped_on_pages(api, shop):
    name = '<script>alert("x")</script><b>단감</b>'
    response = post(api, f"/api/shops/{shop.slug}/listings", listing_body(name=name))
    assert response.status_code == 201
    assert response.json()["name"] == name
    page = Client().get(f"/s/{shop.slug}/").content.decode()
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;b&gt;단감&lt;/b&gt;" in page


@pytest.mark.parametrize(
    "overrides",
    [
        {"name": ""},
        {"name": "   "},
        {"name": "가" * 121},
        {"name": 5},
        {"available": -1},
        {"available": 1.5},
        {"available": "10"},
        {"available": 10**9},
        {"price": -100},
        {"price": 10**12},
        {"pickup_price": 10000},
        {"unit": ""},
        {"options": [{"label": "반팩", "units": 0, "price": 5000}]},
        {
            "options": [
                {"label": "a", "units": 1, "price": 1},
                {"label": "a", "units": 1, "price": 1},
            ]
        },
    ],
)
def test_bad_listing_input_is_4xx_and_creates_nothing(api, shop, overrides):
    response = post(api, f"/api/shops/{shop.slug}/listings", listing_body(**overrides))
    assert_error(response, 422)
    assert not Listing.objects.exists()
    assert not StockEvent.objects.exists()


def test_missing_required_field_is_422(api, shop):
    body = listing_body()
    del body["price"]
    assert_error(post(api, f"/api/shops/{shop.slug}/listings", body), 422, "invalid_input")


def test_creating_a_listing_needs_auth(shop):
    assert_error(post(Client(), f"/api/shops/{shop.slug}/listings", listing_body()), 401)
    assert not Listing.objects.exists()
