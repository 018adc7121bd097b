"""shops.events: every stock and reservation change is told once, inside its transaction."""

from __future__ import annotations

import pytest
from django.db import transaction

from livestock import services as stock
from livestock.models import Listing, StockEvent
from livestock.services import InsufficientStock
from pickup.services import reservations
from shops import events
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def heard():
    """Every event told, with whether the receiver ran inside a transaction."""
    got: list[tuple[events.BusinessEvent, bool]] = []

    def receiver(sender, event, **kwargs):
        got.append((event, transaction.get_connection().in_atomic_block))

    events.happened.connect(receiver, dispatch_uid="test-heard")
    yield got
    events.happened.disconnect(dispatch_uid="test-heard")


def kinds(heard) -> list[str]:
    return [event.type for event, _inside in heard]


def test_posting_an_arrival_tells_listing_created_and_its_first_stock_version(shop, heard):
    listing = factories.make_listing(shop, "단감", available=200)
    assert kinds(heard) == ["stock.changed", "listing.created"]
    changed, created = (event for event, _inside in heard)
    assert all(inside for _event, inside in heard)
    assert changed.shop_id == shop.pk and changed.shop_slug == shop.slug
    assert changed.version == created.version == 1
    assert changed.data == {
        "shop": shop.slug,
        "listing_id": listing.pk,
        "available": 200,
        "version": 1,
        "delta": 200,
        "reason": "arrival",
    }
    assert created.data["listing"]["name"] == "단감"
    assert created.data["listing"]["available"] == 200


def test_every_stock_version_has_exactly_one_stock_changed_event(shop, listing, heard):
    stock.adjust_stock(shop=shop, listing_id=listing.pk, delta=-3, reason="counter_sale")
    stock.adjust_stock(shop=shop, listing_id=listing.pk, delta=20, reason="restock")
    stock.edit_listing(shop=shop, listing_id=listing.pk, changes={"price": 9500})
    stock.mark_sold_out(shop=shop, listing_id=listing.pk)
    stock.end_listing(shop=shop, listing_id=listing.pk)
    changed = [event for event, _inside in heard if event.type == "stock.changed"]
    assert [e.version for e in changed] == [2, 3, 4, 5, 6]
    assert [e.data["available"] for e in changed] == [197, 217, 217, 0, 0]
    assert kinds(heard).count("listing.updated") == 1
    assert kinds(heard).count("listing.ended") == 1
    assert list(
        StockEvent.objects.filter(shop=shop).order_by("version").values_list("version", flat=True)
    ) == list(range(1, 7))


def test_a_refused_change_tells_nothing(shop, listing, heard):
    with pytest.raises(InsufficientStock):
        stock.adjust_stock(shop=shop, listing_id=listing.pk, delta=-1000, reason="counter_sale")
    assert heard == []


def test_a_receiver_that_fails_rolls_the_change_back(shop, listing):
    def failing(sender, event, **kwargs):
        raise RuntimeError("outbox unavailable")

    events.happened.connect(failing, dispatch_uid="test-failing")
    try:
        with pytest.raises(RuntimeError):
            stock.adjust_stock(shop=shop, listing_id=listing.pk, delta=-3, reason="counter_sale")
    finally:
        events.happened.disconnect(dispatch_uid="test-failing")
    assert Listing.objects.get(pk=listing.pk).available == 200
    assert StockEvent.objects.filter(shop=shop).count() == 1


def test_a_change_rolled_back_by_its_caller_takes_its_receivers_rows_with_it(shop, listing):
    """A receiver writing in the change's transaction (as an outbox does) leaves nothing."""

    def write_row(sender, event, **kwargs):
        StockEvent.objects.filter(pk=0).exists()  # a query in the same transaction
        written.append(event.version)

    written: list[int] = []
    events.happened.connect(write_row, dispatch_uid="test-row")
    try:
        with pytest.raises(ZeroDivisionError), transaction.atomic():
            stock.change_stock_in_transaction(
                shop=shop,
                listing_id=listing.pk,
                delta=-1,
                reason="counter_sale",
                actor=stock.SYSTEM,
            )
            1 / 0  # noqa: B018
    finally:
        events.happened.disconnect(dispatch_uid="test-row")
    assert written == [2]
    assert Listing.objects.get(pk=listing.pk).available == 200
    assert StockEvent.objects.filter(shop=shop, version=2).count() == 0


def test_reservation_steps_are_told_with_the_point_of_sale_view(shop, listing, clock, heard):
    point = factories.make_cafe(shop, "골목 카페")
    r = factories.make_reservation(shop, listing, point, phone="010-1234-5678")
    reservations.mark_ready(shop=shop, reservation_id=r.pk)
    reservations.mark_picked_up(shop=shop, code=r.code)
    other = factories.make_reservation(shop, listing, point, phone="010-2222-3333")
    reservations.cancel_reservation(reservation_id=other.pk, by="customer")
    told = [(e.type, e.data["status"], e.version) for e, _ in heard if e.type.startswith("res")]
    assert told == [
        ("reservation.created", "confirmed", 1),
        ("reservation.ready", "ready", 2),
        ("reservation.picked_up", "picked_up", 3),
        ("reservation.created", "confirmed", 1),
        ("reservation.cancelled", "cancelled", 2),
    ]
    created = next(e for e, _ in heard if e.type == "reservation.created")
    assert created.data["phone"] == "010-****-5678"
    assert created.data["id"] == r.pk and created.data["listing_id"] == listing.pk
    assert created.data["pickup_point_id"] == point.pk
    assert created.data["pickup_date"] == r.date.isoformat()
    assert "token" not in created.data and "name" not in created.data
    cancelled = [e for e, _ in heard if e.type == "reservation.cancelled"][0]
    assert cancelled.data["cancelled_by"] == "customer"


@pytest.mark.django_db(transaction=True)
def test_recording_outside_a_transaction_or_an_unknown_type_is_a_programming_error(shop):
    with pytest.raises(events.EventOutsideTransaction):
        events.record(type=events.STOCK_CHANGED, shop_id=shop.pk, shop_slug=shop.slug, data={})
    with pytest.raises(ValueError), transaction.atomic():
        events.record(type="stock.exploded", shop_id=shop.pk, shop_slug=shop.slug, data={})
