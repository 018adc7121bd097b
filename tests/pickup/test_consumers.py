"""Live reservation status over websockets: the customer's page, the owner console, the café."""

from __future__ import annotations

from datetime import time

import pytest
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from pickup.routing import websocket_urlpatterns
from pickup.services import reservations as reservation_services
from shops import services as shop_services
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)

app = URLRouter(websocket_urlpatterns)


@database_sync_to_async
def make_scene():
    shop = factories.make_shop()
    listing = factories.make_listing(shop, "단감", 20)
    point = factories.make_cafe(shop, "골목 카페", opens_at=time(0))
    reservation = factories.make_reservation(shop, listing, point, quantity=2)
    return shop, listing, point, reservation


async def connect(path: str, headers=None) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(app, path, headers=headers or [])
    connected, _ = await communicator.connect()
    assert connected
    return communicator


async def test_customer_page_sees_ready_then_picked_up():
    shop, _listing, _point, reservation = await make_scene()
    ws = await connect(f"/ws/reservations/{reservation.token}/")
    first = await ws.receive_json_from(timeout=3)
    assert (first["type"], first["version"]) == ("snapshot", 1)
    assert first["reservation"]["status"] == "confirmed"
    assert first["reservation"]["code"] == reservation.code

    await database_sync_to_async(reservation_services.mark_ready)(
        shop=shop, reservation_id=reservation.pk
    )
    message = await ws.receive_json_from(timeout=3)
    assert (message["type"], message["reservation"]["status"]) == ("reservation", "ready")
    assert message["version"] == 2
    assert message["reservation"]["status_label"] == "준비 완료"

    await database_sync_to_async(reservation_services.mark_picked_up)(
        shop=shop, code=reservation.code
    )
    message = await ws.receive_json_from(timeout=3)
    assert (message["reservation"]["status"], message["version"]) == ("picked_up", 3)

    await ws.send_json_to({"type": "ping"})
    assert await ws.receive_json_from(timeout=3) == {"type": "pong", "version": 3}
    await ws.send_to(text_data="not json")
    assert (await ws.receive_json_from(timeout=3))["code"] == "malformed_json"
    await ws.disconnect()


async def test_another_reservation_is_not_heard():
    shop, listing, point, reservation = await make_scene()
    other = await database_sync_to_async(factories.make_reservation)(shop, listing, point)
    ws = await connect(f"/ws/reservations/{reservation.token}/")
    await ws.receive_json_from(timeout=3)
    await database_sync_to_async(reservation_services.mark_ready)(
        shop=shop, reservation_id=other.pk
    )
    assert await ws.receive_nothing(timeout=0.3)
    await ws.disconnect()


async def test_unknown_token_closes_with_4404():
    ws = WebsocketCommunicator(app, "/ws/reservations/not-a-token/")
    connected, _ = await ws.connect()
    assert connected
    closed = await ws.receive_output(timeout=3)
    assert closed == {"type": "websocket.close", "code": 4404}


async def test_owner_console_hears_changes_only_with_a_session_of_that_shop():
    shop, _listing, _point, reservation = await make_scene()

    @database_sync_to_async
    def session_cookie():
        user = factories.make_owner(shop)
        client = Client()
        client.force_login(user)
        return client.cookies[settings.SESSION_COOKIE_NAME].value

    cookie = await session_cookie()
    anonymous = WebsocketCommunicator(app, f"/ws/owner/shops/{shop.slug}/reservations/")
    await anonymous.connect()
    assert await anonymous.receive_output(timeout=3) == {"type": "websocket.close", "code": 4403}

    ws = await connect(
        f"/ws/owner/shops/{shop.slug}/reservations/",
        headers=[(b"cookie", f"{settings.SESSION_COOKIE_NAME}={cookie}".encode())],
    )
    snapshot = await ws.receive_json_from(timeout=3)
    assert snapshot == {"type": "snapshot", "version": 1}  # the reservation's creation
    await database_sync_to_async(reservation_services.cancel_reservation)(
        reservation_id=reservation.pk, by="shop", shop=shop, reason="재고 착오"
    )
    message = await ws.receive_json_from(timeout=3)
    assert (message["type"], message["version"]) == ("reservation", 2)
    assert message["reservation"]["status"] == "cancelled"
    assert message["reservation"]["phone_masked"].startswith("010-****-")
    assert "token" not in message["reservation"]
    await ws.disconnect()


async def test_cafe_page_hears_its_orders():
    shop, _listing, point, reservation = await make_scene()
    token = await database_sync_to_async(lambda: point.place.staff_token)()
    ws = await connect(f"/ws/cafe/{token}/")
    assert await ws.receive_json_from(timeout=3) == {"type": "snapshot", "version": 1}
    await database_sync_to_async(reservation_services.mark_ready)(
        shop=shop, reservation_id=reservation.pk
    )
    message = await ws.receive_json_from(timeout=3)
    assert message["reservation"]["code"] == reservation.code
    assert message["version"] == 2
    await ws.disconnect()
    bad = WebsocketCommunicator(app, "/ws/cafe/wrong/")
    await bad.connect()
    assert await bad.receive_output(timeout=3) == {"type": "websocket.close", "code": 4404}


# --- a member who loses access is disconnected at once -----------------------------------


@database_sync_to_async
def member_cookie(shop, username: str, role: str = "owner") -> tuple[object, str]:
    user = factories.make_owner(shop, username=username, role=role)
    client = Client()
    client.force_login(user)
    return user, client.cookies[settings.SESSION_COOKIE_NAME].value


async def owner_socket(shop, cookie: str) -> WebsocketCommunicator:
    ws = await connect(
        f"/ws/owner/shops/{shop.slug}/reservations/",
        headers=[(b"cookie", f"{settings.SESSION_COOKIE_NAME}={cookie}".encode())],
    )
    assert (await ws.receive_json_from(timeout=3))["type"] == "snapshot"
    return ws


async def assert_closed_and_deaf(ws, shop, listing, point) -> None:
    assert await ws.receive_output(timeout=3) == {"type": "websocket.close", "code": 4403}
    await database_sync_to_async(factories.make_reservation)(shop, listing, point)
    assert await ws.receive_nothing(timeout=0.3)
    await ws.disconnect()


async def test_a_removed_member_is_disconnected_and_hears_no_new_orders():
    shop, listing, point, _reservation = await make_scene()
    boss, _cookie = await member_cookie(shop, "boss")
    _clerk, cookie = await member_cookie(shop, "clerk", role="staff")
    ws = await owner_socket(shop, cookie)
    membership_id = await database_sync_to_async(
        lambda: shop.memberships.get(user__username="clerk").pk
    )()
    await database_sync_to_async(shop_services.remove_member)(
        actor=boss, membership_id=membership_id
    )
    await assert_closed_and_deaf(ws, shop, listing, point)


async def test_a_deleted_or_deactivated_user_is_disconnected():
    shop, listing, point, _reservation = await make_scene()
    await member_cookie(shop, "boss")
    gone, gone_cookie = await member_cookie(shop, "gone", role="manager")
    off, off_cookie = await member_cookie(shop, "off", role="staff")
    gone_ws = await owner_socket(shop, gone_cookie)
    off_ws = await owner_socket(shop, off_cookie)

    def deactivate():
        off.is_active = False
        off.save()

    await database_sync_to_async(gone.delete)()
    await database_sync_to_async(deactivate)()
    await assert_closed_and_deaf(gone_ws, shop, listing, point)
    await assert_closed_and_deaf(off_ws, shop, listing, point)


async def test_a_role_change_keeps_access_every_role_has_and_other_shops_do_not_matter():
    """Every role follows the shop's orders, so a demotion leaves the socket open; losing a
    membership of another shop does not touch this one."""
    shop, listing, point, _reservation = await make_scene()
    other = await database_sync_to_async(factories.make_shop)(
        slug="other-shop", lat=37.57, lng=126.98
    )
    boss, _cookie = await member_cookie(shop, "boss")
    manager, cookie = await member_cookie(shop, "manager", role="manager")

    def setup():
        from shops.models import Membership

        Membership.objects.create(shop=other, user=manager, role="staff")
        here = shop.memberships.get(user=manager).pk
        there = other.memberships.get(user=manager).pk
        return here, there

    here, there = await database_sync_to_async(setup)()
    ws = await owner_socket(shop, cookie)
    await database_sync_to_async(shop_services.change_member_role)(
        actor=boss, membership_id=here, role="staff"
    )
    await database_sync_to_async(shop_services.remove_member)(actor=manager, membership_id=there)
    reservation = await database_sync_to_async(factories.make_reservation)(shop, listing, point)
    message = await ws.receive_json_from(timeout=3)
    assert message["reservation"]["code"] == reservation.code
    await ws.disconnect()


async def test_a_superuser_who_is_no_longer_one_is_disconnected():
    shop, listing, point, _reservation = await make_scene()

    @database_sync_to_async
    def superuser_cookie():
        from django.contrib.auth import get_user_model

        user = get_user_model().objects.create_superuser("root", password="pw-for-tests-1")
        client = Client()
        client.force_login(user)
        return user, client.cookies[settings.SESSION_COOKIE_NAME].value

    root, cookie = await superuser_cookie()
    ws = await owner_socket(shop, cookie)

    def demote():
        root.is_superuser = False
        root.save()

    await database_sync_to_async(demote)()
    await assert_closed_and_deaf(ws, shop, listing, point)
