"""Owner alerts: a new review and an integration that gave up reach the phones that asked for
"새 예약" pushes, once each; nobody else, and nothing when no phone asked."""

from __future__ import annotations

import json

import pytest
from django.db import transaction
from django.test import Client

from notify.models import Push
from pickup.services import reservations
from reviews import services as reviews
from shops.signals import owner_alert
from tests import factories


@pytest.fixture
def owner_phone(push_service, shop, owner):
    phone = push_service.browser()
    staff = Client()
    staff.force_login(owner)
    answer = staff.post(
        f"/api/shops/{shop.slug}/push/new-reservations",
        json.dumps({"subscription": phone.subscription}),
        content_type="application/json",
    )
    assert answer.status_code == 201
    return phone


def picked_up(shop, listing):
    point = factories.make_cafe(shop, "골목 카페")
    reservation = factories.make_reservation(shop, listing, point)
    return reservations.mark_picked_up(shop=shop, code=reservation.code)


def test_a_new_review_is_pushed_to_the_owner_once(owner_phone, shop, listing, clock):
    reservation = picked_up(shop, listing)
    before = len(owner_phone.messages)
    review = reviews.write_review(reservation=reservation, rating=5, text="달고 맛있어요")
    new = owner_phone.messages[before:]
    assert [m["title"] for m in new] == ["새 리뷰 ★★★★★ · 단감"]
    assert new[0]["url"] == f"http://testserver/owner/s/{shop.slug}/reviews/"
    assert (
        Push.objects.filter(kind="owner_alert", dedupe_key=f"owner:review:{review.pk}").count() == 1
    )


def test_an_owner_alert_is_sent_once_per_key_and_only_after_commit(owner_phone, shop):
    def alert():
        owner_alert.send(
            sender=None,
            shop_id=shop.pk,
            key="webhook-disabled:1:2026-12-03",
            title="연동 웹훅이 꺼졌어요",
            body="콘솔의 연동 화면에서 확인해 주세요.",
            path=f"/owner/s/{shop.slug}/integrations/",
        )

    with pytest.raises(ZeroDivisionError), transaction.atomic():
        alert()
        1 / 0  # noqa: B018
    assert owner_phone.messages == [] and not Push.objects.exists()
    with transaction.atomic():
        alert()
    with transaction.atomic():
        alert()
    assert [m["title"] for m in owner_phone.messages] == ["연동 웹훅이 꺼졌어요"]
    assert owner_phone.messages[0]["url"].endswith(f"/owner/s/{shop.slug}/integrations/")


def test_no_phone_asked_no_push_is_written(push_service, shop, listing, clock):
    reservation = picked_up(shop, listing)
    reviews.write_review(reservation=reservation, rating=4, text="좋아요")
    assert not Push.objects.filter(kind="owner_alert").exists()
