"""How many SQL statements one reservation through the API costs, so a regression shows.

Inside the test's transaction the reservation's own atomic block is a SAVEPOINT and its
RELEASE, both counted here.
"""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from livestock.models import Listing, StockEvent
from livestock.payloads import listing_payload
from livestock.services import OptionSpec
from pickup.models import Reservation
from tests import factories

pytestmark = pytest.mark.django_db

# Includes what the customer already holds ("1인 최대") and the phone's no-show and open limits,
# counted together in one aggregate under the listing's lock; the calendar (the shop's weekly
# hours, its closures and the place's closures) in one statement; the stock taken by one
# UPDATE ... RETURNING plus the listing's options; the reservation feeds: one UPDATE ...
# RETURNING bumps the owner and café feeds together, one INSERT logs both changes
# (pickup/streams.py). One for the webhook outbox (integrations/outbox.py): the shop's
# endpoints, read once for the reservation's two events (stock.changed, reservation.created),
# in the transaction, so an endpoint added a moment ago is never missed. One for notify
# hearing reservation.created: whether anyone at the shop wants "새 예약" pushes
# (notify/services.py).
# On PostgreSQL three more: the shop calendar's shared lock, and the deferred foreign-key
# checks run before the feeds are locked.
RESERVE_BUDGET = 18 + (3 if connection.vendor == "postgresql" else 0)
# The option is read before the listing's row lock and once more under it, since the owner
# may have just changed it (pickup.services.reservations._option_as_reserved).
OPTION_LOOKUP = 2


def reserve_through_api(shop, body: dict) -> tuple[dict, int]:
    with CaptureQueriesContext(connection) as queries:
        response = Client().post(
            f"/api/shops/{shop.slug}/reservations",
            json.dumps(body),
            content_type="application/json",
        )
    assert response.status_code == 201, response.content
    return response.json(), len(queries.captured_queries)


def assert_logged_payload_is_the_committed_listing(listing: Listing) -> None:
    event = StockEvent.objects.filter(listing=listing).order_by("-version").first()
    fresh = Listing.objects.prefetch_related("options").get(pk=listing.pk)
    assert event.available_after == fresh.available
    assert event.payload == listing_payload(fresh)


@pytest.mark.parametrize("named_window", [True, False], ids=["named-window", "chosen-window"])
def test_one_reservation_stays_within_its_query_budget(
    shop, listing, cafe_point, lunch, clock, named_window
):
    body = {
        "listing_id": listing.pk,
        "quantity": 2,
        "pickup_point_id": cafe_point.pk,
        "name": "김동네",
        "phone": "010-1234-5678",
    }
    if named_window:
        body["pickup_window"] = lunch.pk
    data, count = reserve_through_api(shop, body)
    assert count <= RESERVE_BUDGET
    assert Reservation.objects.get(token=data["token"]).window_id == lunch.pk
    assert_logged_payload_is_the_committed_listing(listing)


def test_a_reservation_with_an_option_costs_its_lookups_more(shop, cafe_point, lunch, clock):
    listing = factories.make_listing(
        shop,
        "단감",
        10,
        options=[OptionSpec("1팩", 2, 9000, 7900), OptionSpec("반팩", 1, 5000, 4200)],
    )
    option = listing.options.get(label="1팩")
    body = {
        "listing_id": listing.pk,
        "option_id": option.pk,
        "quantity": 3,
        "pickup_point_id": cafe_point.pk,
        "pickup_window": lunch.pk,
        "name": "김동네",
        "phone": "010-1234-5678",
    }
    _data, count = reserve_through_api(shop, body)
    assert count <= RESERVE_BUDGET + OPTION_LOOKUP
    assert Listing.objects.get(pk=listing.pk).available == 4
    assert_logged_payload_is_the_committed_listing(listing)
