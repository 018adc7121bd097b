import logging

from livestock import broadcast, services
from livestock.models import Listing


class BrokenLayer:
    async def group_send(self, group, message):
        raise ConnectionError("Redis is restarting")


def test_a_failed_send_is_logged_and_never_fails_the_committed_write(
    shop, listing, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(broadcast, "get_channel_layer", lambda: BrokenLayer())
    with caplog.at_level(logging.WARNING, logger="livestock.broadcast"):
        with django_capture_on_commit_callbacks(execute=True):
            result, _replayed = services.adjust_stock(shop=shop, listing_id=listing.pk, delta=-2)
    assert result.available == 198
    assert Listing.objects.get(pk=listing.pk).available == 198
    assert f"v{result.version}" in caplog.text and "not sent" in caplog.text
