"""Repeat customers through a keyed hash of the phone (docs/privacy.md): decided when a
reservation is made, per shop, and erased after the phone's retention period."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import override_settings

from pickup import codes
from pickup.clients import customer_key
from pickup.models import Reservation
from pickup.services import reservations
from tests import factories

pytestmark = pytest.mark.django_db

PHONE = "010-2222-3333"


def reserve(shop, listing, point, **fields):
    return factories.make_reservation(shop, listing, point, phone=PHONE, **fields)


def pick_up(shop, reservation):
    return reservations.mark_picked_up(shop=shop, code=reservation.code)


def test_a_customer_is_returning_only_after_a_pickup_at_the_same_shop(
    shop, other_shop, listing, counter_point, clock
):
    first = reserve(shop, listing, counter_point)
    assert not first.returning_customer
    second = reserve(shop, listing, counter_point)  # the first is not collected yet
    assert not second.returning_customer
    pick_up(shop, first)
    third = reserve(shop, listing, counter_point)
    assert third.returning_customer
    # The key is per shop: the same phone elsewhere is a new customer with another key.
    other_listing = factories.make_listing(other_shop)
    elsewhere = reserve(other_shop, other_listing, factories.shop_counter(other_shop))
    assert not elsewhere.returning_customer
    keys = dict(Reservation.objects.values_list("pk", "customer_key"))
    stored_phone = codes.normalize_phone(PHONE)
    assert keys[first.pk] == keys[third.pk] == customer_key(shop_id=shop.pk, phone=stored_phone)
    assert keys[elsewhere.pk] != keys[first.pk]
    assert PHONE not in keys[first.pk] and "22223333" not in keys[first.pk]


@override_settings(PICKUP_PHONE_RETENTION_DAYS=30)
def test_the_key_outlives_a_phone_erased_without_consent_then_goes_with_the_retention(
    shop, listing, counter_point, clock
):
    first = reserve(shop, listing, counter_point, consent=False)
    pick_up(shop, first)
    reservations.purge_expired_phones(now=clock.now + timedelta(hours=1))
    first.refresh_from_db()
    assert first.phone == "" and first.customer_key  # no consent: the number goes at once
    # A week later the same customer comes back: still recognised, without the number.
    clock.now += timedelta(days=7)
    again = reserve(shop, listing, counter_point)
    assert again.returning_customer
    pick_up(shop, again)
    # Past the retention period every key of theirs is erased, and they count as new.
    reservations.purge_expired_phones(now=clock.now + timedelta(days=31))
    assert not Reservation.objects.exclude(customer_key="").exists()
    assert not Reservation.objects.exclude(phone="").exists()
    clock.now += timedelta(days=32)
    later = reserve(shop, listing, counter_point)
    assert not later.returning_customer
