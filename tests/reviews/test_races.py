"""Twins racing on real concurrent connections: one review per reservation whatever the
timing, and an owner's replies never lost. On the default SQLite file in the plain suite,
on PostgreSQL with DATABASE_URL (marked ``postgres``)."""

from __future__ import annotations

import pytest

from pickup.services import reservations as reservation_services
from reviews import services
from reviews.models import Review, ReviewLog
from tests import factories
from tests.pickup.test_races import race

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def picked_up(shop):
    listing = factories.make_listing(shop)
    counter = factories.shop_counter(shop)
    reservation = factories.make_reservation(shop, listing, counter)
    reservation_services.mark_picked_up(shop=shop, code=reservation.code)
    reservation.refresh_from_db()
    return reservation


def test_twin_reviews_leave_exactly_one(picked_up):
    results, errors = race(
        6,
        lambda i: services.write_review(reservation=picked_up, rating=1 + i % 5, text=f"{i}"),
    )
    assert len(results) == 1 and errors == {"already_reviewed": 5}
    assert Review.objects.count() == 1 and ReviewLog.objects.count() == 1


def test_concurrent_edits_and_replies_all_land(shop, picked_up):
    review = services.write_review(reservation=picked_up, rating=3, text="보통")
    owner = services.Actor(label="owner")

    def work(i: int):
        if i % 2:
            return services.reply_to_review(
                shop=shop, review_id=review.pk, text=f"답글 {i}", actor=owner
            )
        return services.edit_review(reservation=picked_up, rating=5, text=f"수정 {i}")

    results, errors = race(6, work)
    assert len(results) == 6 and not errors
    stored = Review.objects.get()
    assert stored.rating == 5 and stored.text.startswith("수정") and stored.reply_text
    assert ReviewLog.objects.count() == 7
