"""Reservation updates on the versioned, resyncable path: every stream's version grows by one
per committed change, a page that missed messages gets them back (or a snapshot), and the
heartbeat carries the version."""

from __future__ import annotations

from datetime import time

import pytest
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.db import transaction

from pickup import streams
from pickup.models import ReservationEvent, ReservationFeed
from pickup.routing import websocket_urlpatterns
from pickup.services import reservations
from realtime import hub as live_hub
from tests import factories

app = URLRouter(websocket_urlpatterns)


@pytest.fixture
def scene(db):
    shop = factories.make_shop()
    listing = factories.make_listing(shop, "단감", 50)
    cafe = factories.make_cafe(shop, "골목 카페", opens_at=time(0))
    bakery = factories.make_cafe(shop, "빵집 카페", opens_at=time(0), lat=37.5565, lng=126.9105)
    return shop, listing, cafe, bakery


def versions(key: str) -> list[int]:
    return list(
        ReservationEvent.objects.filter(feed=key)
        .order_by("version")
        .values_list("version", flat=True)
    )


def test_each_feed_grows_by_one_per_committed_change(scene):
    shop, listing, cafe, bakery = scene
    first = factories.make_reservation(shop, listing, cafe)
    factories.make_reservation(shop, listing, bakery)
    reservations.mark_ready(shop=shop, reservation_id=first.pk)
    assert versions(streams.shop_feed(shop.pk)) == [1, 2, 3]
    assert versions(streams.place_feed(cafe.place_id)) == [1, 2]
    assert versions(streams.place_feed(bakery.place_id)) == [1]
    first.refresh_from_db()
    assert first.version == 2
    assert [
        m["version"] for m in streams.feed_messages_after(streams.shop_feed(shop.pk), 1, 3)
    ] == [2, 3]
    assert streams.feed_messages_after(streams.shop_feed(shop.pk), 0, 4) is None


def test_a_rolled_back_change_takes_no_version(scene):
    shop, listing, cafe, _bakery = scene
    reservation = factories.make_reservation(shop, listing, cafe)
    with pytest.raises(RuntimeError), transaction.atomic():
        reservations.mark_ready(shop=shop, reservation_id=reservation.pk)
        raise RuntimeError
    reservations.cancel_reservation(reservation_id=reservation.pk, by="customer")
    assert versions(streams.shop_feed(shop.pk)) == [1, 2]
    assert ReservationFeed.objects.get(key=streams.shop_feed(shop.pk)).version == 2
    reservation.refresh_from_db()
    assert reservation.version == 2


def test_only_the_recent_changes_of_a_feed_are_kept(scene, settings):
    settings.RESERVATION_EVENTS_KEPT = 10
    shop, listing, cafe, _bakery = scene
    for _ in range(streams.PRUNE_EVERY):
        factories.make_reservation(shop, listing, cafe)
    kept = versions(streams.shop_feed(shop.pk))
    assert kept == list(range(streams.PRUNE_EVERY - 9, streams.PRUNE_EVERY + 1))
    assert streams.feed_messages_after(streams.shop_feed(shop.pk), 0, 50) is None


# --- over the socket -------------------------------------------------------------------------


async def connect(path: str, headers=None) -> tuple[WebsocketCommunicator, dict]:
    communicator = WebsocketCommunicator(app, path, headers=headers or [])
    connected, _ = await communicator.connect()
    assert connected
    return communicator, await communicator.receive_json_from(timeout=3)


@database_sync_to_async
def cafe_scene():
    shop = factories.make_shop()
    listing = factories.make_listing(shop, "단감", 50)
    point = factories.make_cafe(shop, "골목 카페", opens_at=time(0))
    return shop, listing, point, point.place.staff_token


@pytest.mark.django_db(transaction=True)
async def test_a_lost_group_send_on_a_feed_is_filled_from_its_log(monkeypatch):
    monkeypatch.setattr(live_hub.StreamHub, "GAP_GRACE_SECONDS", 0.01)
    shop, listing, point, token = await cafe_scene()
    ws, snapshot = await connect(f"/ws/cafe/{token}/")
    assert snapshot == {"type": "snapshot", "version": 0}
    reserve = database_sync_to_async(factories.make_reservation)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(streams, "publish_many_on_commit", lambda sends: None)
        lost = await reserve(shop, listing, point)
    heard = await reserve(shop, listing, point)
    first = await ws.receive_json_from(timeout=3)
    second = await ws.receive_json_from(timeout=3)
    assert [(m["version"], m["reservation"]["code"]) for m in (first, second)] == [
        (1, lost.code),
        (2, heard.code),
    ]
    await ws.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_resync_on_a_feed_replays_the_missed_changes_in_order():
    shop, listing, point, token = await cafe_scene()
    codes = [
        (await database_sync_to_async(factories.make_reservation)(shop, listing, point)).code
        for _ in range(3)
    ]
    ws, snapshot = await connect(f"/ws/cafe/{token}/")
    assert snapshot == {"type": "snapshot", "version": 3}
    await ws.send_json_to({"type": "resync", "version": 1})
    replayed = [await ws.receive_json_from(timeout=3) for _ in range(2)]
    assert [(m["type"], m["version"], m["reservation"]["code"]) for m in replayed] == [
        ("reservation", 2, codes[1]),
        ("reservation", 3, codes[2]),
    ]
    await ws.send_json_to({"type": "resync", "version": 3})
    assert await ws.receive_nothing(timeout=0.2)
    await ws.send_json_to({"type": "resync", "version": 9})
    assert await ws.receive_json_from(timeout=3) == {"type": "snapshot", "version": 3}
    await ws.send_json_to({"type": "resync", "version": "x"})
    assert (await ws.receive_json_from(timeout=3))["code"] == "invalid_version"
    await ws.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_the_customer_page_resyncs_to_a_snapshot_and_hears_heartbeats(settings):
    settings.LIVESTOCK_HEARTBEAT_SECONDS = 0.1
    shop, listing, point, _token = await cafe_scene()
    reservation = await database_sync_to_async(factories.make_reservation)(shop, listing, point)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(streams, "publish_many_on_commit", lambda sends: None)
        await database_sync_to_async(reservations.mark_ready)(
            shop=shop, reservation_id=reservation.pk
        )
    ws, snapshot = await connect(f"/ws/reservations/{reservation.token}/")
    assert (snapshot["version"], snapshot["reservation"]["status"]) == (2, "ready")
    await ws.send_json_to({"type": "resync", "version": 1})
    again = await ws.receive_json_from(timeout=3)
    assert (again["type"], again["version"], again["reservation"]["status"]) == (
        "snapshot",
        2,
        "ready",
    )
    beat = await ws.receive_json_from(timeout=3)
    assert beat == {"type": "heartbeat", "version": 2}
    await ws.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_the_owner_feed_carries_versions_and_resyncs():
    shop, listing, point, _token = await cafe_scene()

    @database_sync_to_async
    def cookie():
        from django.test import Client

        client = Client()
        client.force_login(factories.make_owner(shop))
        return client.cookies[settings.SESSION_COOKIE_NAME].value

    headers = [(b"cookie", f"{settings.SESSION_COOKIE_NAME}={await cookie()}".encode())]
    first = await database_sync_to_async(factories.make_reservation)(shop, listing, point)
    ws, snapshot = await connect(f"/ws/owner/shops/{shop.slug}/reservations/", headers)
    assert snapshot == {"type": "snapshot", "version": 1}
    await database_sync_to_async(reservations.mark_ready)(shop=shop, reservation_id=first.pk)
    message = await ws.receive_json_from(timeout=3)
    assert (message["version"], message["reservation"]["status"]) == (2, "ready")
    await ws.send_json_to({"type": "resync", "version": 0})
    replayed = [await ws.receive_json_from(timeout=3) for _ in range(2)]
    assert [m["version"] for m in replayed] == [1, 2]
    await ws.disconnect()
