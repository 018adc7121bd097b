"""The owner sees a customer's full number, with a call button, only for today's open
reservations; everywhere else (other days, ended, erased after retention) it stays masked."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from pickup.models import Reservation
from tests import factories

pytestmark = pytest.mark.django_db


def page(owner_client, shop, day=None):
    url = f"/owner/s/{shop.slug}/reservations/"
    if day is not None:
        url += f"?date={day.isoformat()}"
    return owner_client.get(url).content.decode()


def test_todays_open_reservation_shows_the_full_number_and_a_call_button(
    owner_client, shop, listing, counter_point, clock
):
    factories.make_reservation(shop, listing, counter_point, phone="010-2222-3333", name="박손님")
    html = page(owner_client, shop)
    assert "010-2222-3333" in html
    assert 'href="tel:+821022223333"' in html
    assert "박손님님께 전화" in html


@pytest.mark.parametrize("ending", ["picked_up", "cancelled", "no_show"])
def test_ended_reservation_today_is_masked_without_a_call_button(
    owner_client, shop, listing, counter_point, clock, ending
):
    r = factories.make_reservation(shop, listing, counter_point, phone="010-2222-3333")
    Reservation.objects.filter(pk=r.pk).update(status=ending, ended_at=timezone.now())
    html = page(owner_client, shop)
    assert "010-****-3333" in html
    assert "2222" not in html
    assert "tel:" not in html


def test_another_days_reservation_is_masked(owner_client, shop, listing, counter_point, clock):
    tomorrow = timezone.localdate() + timedelta(days=1)
    factories.make_reservation(
        shop, listing, counter_point, phone="010-2222-3333", pickup_date=tomorrow.isoformat()
    )
    html = page(owner_client, shop, tomorrow)
    assert "010-****-3333" in html
    assert "2222" not in html and "tel:" not in html


def test_an_erased_number_shows_nothing(owner_client, shop, listing, counter_point, clock):
    r = factories.make_reservation(shop, listing, counter_point, phone="010-2222-3333")
    Reservation.objects.filter(pk=r.pk).update(phone="", phone_erased_at=timezone.now())
    html = page(owner_client, shop)
    assert "3333" not in html and "tel:" not in html


def test_owner_may_call_rule(shop, listing, counter_point, clock):
    r = factories.make_reservation(shop, listing, counter_point, phone="010-2222-3333")
    today = timezone.localdate()
    assert r.owner_may_call(today)
    assert not r.owner_may_call(today + timedelta(days=1))
    r.status = Reservation.Status.PICKED_UP
    assert not r.owner_may_call(today)
    r.status = Reservation.Status.READY
    assert r.owner_may_call(today)
    r.phone, r.phone_erased_at = "", timezone.now()
    assert not r.owner_may_call(today)


def test_the_pos_api_stays_masked(shop, listing, counter_point, clock, token):
    from django.test import Client

    factories.make_reservation(shop, listing, counter_point, phone="010-2222-3333")
    response = Client().get(
        f"/api/shops/{shop.slug}/reservations?date={timezone.localdate().isoformat()}",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200, response.content
    assert "010-****-3333" in response.content.decode()
    assert "2222" not in response.content.decode()
