"""Live reservation status over websockets: the customer's page, the owner console, the café."""

from __future__ import annotations

from datetime import time

import pytest
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from pickup import services
from pickup.routing import websocket_urlpatterns
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
    assert first["type"] == "reservation"
    assert first["reservation"]["status"] == "confirmed"
    assert first["reservation"]["code"] == reservation.code

    await database_sync_to_async(services.mark_ready)(shop=shop, reservation_id=reservation.pk)
    message = await ws.receive_json_from(timeout=3)
    assert (message["type"], message["reservation"]["status"]) == ("reservation", "ready")
    assert message["reservation"]["status_label"] == "준비 완료"

    await database_sync_to_async(services.mark_picked_up)(shop=shop, code=reservation.code)
    message = await ws.receive_json_from(timeout=3)
    assert message["reservation"]["status"] == "picked_up"

    await ws.send_json_to({"type": "ping"})
    assert await ws.receive_json_from(timeout=3) == {"type": "pong"}
    await ws.send_to(text_data="not json")
    assert (await ws.receive_json_from(timeout=3))["code"] == "malformed_json"
    await ws.disconnect()


async def test_another_reservation_is_not_heard():
    shop, listing, point, reservation = await make_scene()
    other = await database_sync_to_async(factories.make_reservation)(shop, listing, point)
    ws = await connect(f"/ws/reservations/{reservation.token}/")
    await ws.receive_json_from(timeout=3)
    await database_sync_to_async(services.mark_ready)(shop=shop, reservation_id=other.pk)
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

    ws = await connect(f"/ws/owner/shops/{shop.slug}/reservations/",
                       headers=[(b"cookie", f"{settings.SESSION_COOKIE_NAME}={cookie}".encode())])
    assert await ws.receive_json_from(timeout=3) == {"type": "ready"}
    await database_sync_to_async(services.cancel_reservation)(
        reservation_id=reservation.pk, by="shop", shop=shop, reason="재고 착오")
    message = await ws.receive_json_from(timeout=3)
    assert message["reservation"]["status"] == "cancelled"
    assert message["reservation"]["phone_masked"].startswith("010-****-")
    assert "token" not in message["reservation"]
    await ws.disconnect()


async def test_cafe_page_hears_its_orders():
    shop, _listing, point, reservation = await make_scene()
    token = await database_sync_to_async(lambda: point.place.staff_token)()
    ws = await connect(f"/ws/cafe/{token}/")
    assert await ws.receive_json_from(timeout=3) == {"type": "ready"}
    await database_sync_to_async(services.mark_ready)(shop=shop, reservation_id=reservation.pk)
    message = await ws.receive_json_from(timeout=3)
    assert message["reservation"]["code"] == reservation.code
    await ws.disconnect()
    bad = WebsocketCommunicator(app, "/ws/cafe/wrong/")
    await bad.connect()
    assert await bad.receive_output(timeout=3) == {"type": "websocket.close", "code": 4404}
