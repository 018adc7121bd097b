import pytest
from django.db.transaction import TransactionManagementError

from livestock import services
from livestock.models import Listing, StockEvent
from livestock.payloads import listing_payload
from shops.errors import Conflict, InvalidInput
from shops.models import Shop
from tests import factories


def test_delta_changes_count_bumps_version_and_logs_event(
    shop, listing, django_capture_on_commit_callbacks, monkeypatch
):
    sent = []
    monkeypatch.setattr(
        services, "publish_stock_message", lambda shop_id, message: sent.append((shop_id, message))
    )
    version_before = Shop.objects.get(pk=shop.pk).stock_version
    with django_capture_on_commit_callbacks(execute=True):
        result, replayed = services.adjust_stock(shop=shop, listing_id=listing.pk, delta=-3)
    assert not replayed
    assert result.available == 197
    assert result.version == version_before + 1
    event = StockEvent.objects.get(shop=shop, version=result.version)
    assert (event.delta, event.available_after, event.reason) == (-3, 197, "counter_sale")
    assert sent == [
        (
            shop.pk,
            {
                "type": "stock",
                "shop": shop.slug,
                "version": result.version,
                "listing": event.payload,
            },
        )
    ]
    assert sent[0][1]["listing"]["available"] == 197


def test_logged_payload_is_the_listing_as_committed(shop):
    listing = factories.make_listing(
        shop,
        "단감",
        10,
        options=[
            services.OptionSpec("1팩", 2, 9000, 7900),
            services.OptionSpec("반팩", 1, 5000, 4200),
        ],
    )
    for change in ({"delta": -3}, {"set_to": 9}, {"delta": 4}, {"set_to": 0}):
        result, _replayed = services.adjust_stock(shop=shop, listing_id=listing.pk, **change)
        committed = Listing.objects.prefetch_related("options").get(pk=listing.pk)
        event = StockEvent.objects.get(shop=shop, version=result.version)
        assert result.available == event.available_after == committed.available
        assert event.payload == listing_payload(committed)


@pytest.mark.django_db(transaction=True)
def test_the_core_refuses_to_run_outside_the_callers_transaction(shop, listing):
    with pytest.raises(TransactionManagementError):
        services.change_stock_in_transaction(
            shop=shop, listing_id=listing.pk, delta=-1, reason="counter_sale", actor=services.SYSTEM
        )
    assert Listing.objects.get(pk=listing.pk).available == 200


def test_count_never_goes_below_zero(shop, listing):
    with pytest.raises(services.InsufficientStock) as excinfo:
        services.adjust_stock(shop=shop, listing_id=listing.pk, delta=-201)
    assert excinfo.value.available == 200
    assert Listing.objects.get(pk=listing.pk).available == 200


def test_pruning_keeps_recent_and_latest_events(shop, listing, settings):
    from datetime import timedelta

    from django.utils import timezone

    from livestock.tasks import prune_stock_log

    settings.LIVESTOCK_EVENTS_KEPT = 2
    for _ in range(4):
        services.adjust_stock(shop=shop, listing_id=listing.pk, delta=-1)
    StockEvent.objects.filter(version__lte=3).update(created_at=timezone.now() - timedelta(days=90))
    StockEvent.objects.filter(version=4).update(created_at=timezone.now() - timedelta(days=90))
    assert prune_stock_log.call_local() == 3
    assert list(StockEvent.objects.order_by("version").values_list("version", flat=True)) == [4, 5]


def test_set_and_delta_together_are_refused(shop, listing):
    with pytest.raises(InvalidInput):
        services.adjust_stock(shop=shop, listing_id=listing.pk, delta=1, set_to=3)
    assert Listing.objects.get(pk=listing.pk).available == 200


def test_ended_listing_cannot_change(shop, listing):
    services.end_listing(shop=shop, listing_id=listing.pk)
    with pytest.raises(Conflict):
        services.adjust_stock(shop=shop, listing_id=listing.pk, delta=1)


def test_edit_announces_new_prices(shop, listing):
    result = services.edit_listing(
        shop=shop, listing_id=listing.pk, changes={"pickup_price": 7000, "name": "단감(대)"}
    )
    event = StockEvent.objects.get(version=result.version, shop=shop)
    assert (event.delta, event.payload["pickup_price"], event.payload["name"]) == (
        0,
        7000,
        "단감(대)",
    )
    with pytest.raises(InvalidInput):
        services.edit_listing(shop=shop, listing_id=listing.pk, changes={"available": 5})
