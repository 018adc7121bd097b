"""realtime/publish.py: sends after commit only, and a failed send never fails the write."""

import logging

from django.db import transaction

from livestock import services
from livestock.models import Listing
from realtime import publish


class BrokenLayer:
    async def group_send(self, group, message):
        raise ConnectionError("Redis is restarting")


class RecordingLayer:
    def __init__(self):
        self.sent = []

    async def group_send(self, group, message):
        self.sent.append((group, message))


def test_a_failed_send_is_logged_and_never_fails_the_committed_write(
    shop, listing, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(publish, "get_channel_layer", lambda: BrokenLayer())
    with caplog.at_level(logging.WARNING, logger="realtime.publish"):
        with django_capture_on_commit_callbacks(execute=True):
            result, _replayed = services.adjust_stock(shop=shop, listing_id=listing.pk, delta=-2)
    assert result.available == 198
    assert Listing.objects.get(pk=listing.pk).available == 198
    assert f"v{result.version}" in caplog.text and "not sent" in caplog.text


def test_one_failed_group_does_not_stop_the_others(
    monkeypatch, caplog, db, django_capture_on_commit_callbacks
):
    layer = RecordingLayer()

    async def group_send(group, message):
        if group == "b":
            raise ConnectionError("gone")
        layer.sent.append((group, message))

    layer.group_send = group_send
    monkeypatch.setattr(publish, "get_channel_layer", lambda: layer)
    with django_capture_on_commit_callbacks(execute=True):
        publish.publish_many_on_commit(
            [("a", {"version": 1}), ("b", {"version": 2}), ("c", {"version": 3})]
        )
    assert [group for group, _event in layer.sent] == ["a", "c"]
    assert layer.sent[0][1] == {"type": "realtime.message", "message": {"version": 1}}


def test_nothing_is_sent_for_a_rolled_back_transaction(
    monkeypatch, db, django_capture_on_commit_callbacks
):
    layer = RecordingLayer()
    monkeypatch.setattr(publish, "get_channel_layer", lambda: layer)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                publish.publish_on_commit("a", {"version": 1})
                raise RuntimeError
        except RuntimeError:
            pass
    assert callbacks == [] and layer.sent == []


def test_publishes_one_after_another_go_out_in_one_hop_in_order(
    monkeypatch, db, django_capture_on_commit_callbacks
):
    layer = RecordingLayer()
    monkeypatch.setattr(publish, "get_channel_layer", lambda: layer)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic():
            publish.publish_on_commit("stock", {"version": 1})
            publish.publish_many_on_commit([("owner", {"version": 2}), ("place", {"version": 3})])
    assert len(callbacks) == 1
    assert [(group, event["message"]["version"]) for group, event in layer.sent] == [
        ("stock", 1),
        ("owner", 2),
        ("place", 3),
    ]


def test_a_publish_rolled_back_with_its_savepoint_is_not_sent_with_the_one_before(
    monkeypatch, db, django_capture_on_commit_callbacks
):
    layer = RecordingLayer()
    monkeypatch.setattr(publish, "get_channel_layer", lambda: layer)
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            publish.publish_on_commit("kept", {"version": 1})
            try:
                with transaction.atomic():
                    publish.publish_on_commit("undone", {"version": 2})
                    raise RuntimeError
            except RuntimeError:
                pass
            publish.publish_on_commit("kept", {"version": 3})
    assert [(group, event["message"]["version"]) for group, event in layer.sent] == [
        ("kept", 1),
        ("kept", 3),
    ]


def test_a_callback_scheduled_in_between_keeps_its_place(
    monkeypatch, db, django_capture_on_commit_callbacks
):
    order = []
    layer = RecordingLayer()

    async def group_send(group, message):
        order.append(group)

    layer.group_send = group_send
    monkeypatch.setattr(publish, "get_channel_layer", lambda: layer)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic():
            publish.publish_on_commit("first", {"version": 1})
            transaction.on_commit(lambda: order.append("between"))
            publish.publish_on_commit("last", {"version": 2})
    assert len(callbacks) == 3
    assert order == ["first", "between", "last"]
