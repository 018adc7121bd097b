""" "내 예약" on any device: the pickup code plus the phone number (or its last 4 digits)
finds the open reservations; wrong tries are rate-limited; nothing leaks without both."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from pickup.models import Reservation
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(shop, listing, cafe_point, lunch, clock):
    return factories.make_reservation(shop, listing, cafe_point, lunch, phone="010-1234-5678")


def _post(client, code, phone):
    html = client.get("/my/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    return client.post("/my/", {"code": code, "phone": phone, "csrfmiddlewaretoken": token})


@pytest.mark.parametrize("phone", ["010-1234-5678", "01012345678", "+82 10 1234 5678", "5678"])
def test_code_and_phone_lead_to_the_reservation(order, phone):
    spaced = f"{order.code[:3]} {order.code[3:]}".lower()
    response = _post(Client(enforce_csrf_checks=True), spaced, phone)
    assert response.status_code == 302 and response["Location"] == f"/r/{order.token}/"


@pytest.mark.parametrize(
    ("code", "phone"),
    [
        ("right", "010-9999-5678"),
        ("right", "1111"),
        ("ZZZZZZ", "5678"),
        ("right", ""),
        ("", "5678"),
        ("right", "<script>"),
        ("right", "5" * 40),
    ],
)
def test_a_wrong_half_finds_nothing(order, code, phone):
    code = order.code if code == "right" else code
    response = _post(Client(), code, phone)
    html = response.content.decode()
    assert response.status_code == 200 and order.token not in html
    assert "찾지 못했습니다" in html and 'role="alert"' in html


def test_ended_reservations_are_not_found(order):
    Reservation.objects.filter(pk=order.pk).update(status="picked_up")
    assert _post(Client(), order.code, "5678").status_code == 200


def test_wrong_tries_are_limited(order, settings):
    settings.PICKUP_CODE_ATTEMPTS = 3
    client = Client()
    for _ in range(3):
        assert _post(client, "ZZZZZZ", "5678").status_code == 200
    response = _post(client, order.code, "5678")
    assert response.status_code == 429 and order.token not in response.content.decode()


def test_reserve_form_links_to_the_lookup(shop, listing, counter_point):
    html = Client().get(f"/s/{shop.slug}/").content.decode()
    assert 'href="/my/"' in html
