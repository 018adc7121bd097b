import pytest

from livestock import services
from livestock.models import Listing, StockEvent
from shops.models import Shop


def test_delta_changes_count_bumps_version_and_logs_event(shop, listing, django_capture_on_commit_callbacks, monkeypatch):
    sent = []
    monkeypatch.setattr(services, "publish_stock_message", lambda shop_id, message: sent.append((shop_id, message)))
    version_before = Shop.objects.get(pk=shop.pk).stock_version
    with django_capture_on_commit_callbacks(execute=True):
        result, replayed = services.adjust_stock(shop=shop, listing_id=listing.pk, delta=-3)
    assert not replayed
    assert result.available == 197
    assert result.version == version_before + 1
    event = StockEvent.objects.get(shop=shop, version=result.version)
    assert (event.delta, event.available_after, event.reason) == (-3, 197, "counter_sale")
    assert sent == [(shop.pk, {"type": "stock", "shop": shop.slug, "version": result.version,
                               "listing": event.payload})]
    assert sent[0][1]["listing"]["available"] == 197


def test_count_never_goes_below_zero(shop, listing):
    with pytest.raises(services.InsufficientStock) as excinfo:
        services.adjust_stock(shop=shop, listing_id=listing.pk, delta=-201)
    assert excinfo.value.available == 200
    assert Listing.objects.get(pk=listing.pk).available == 200
