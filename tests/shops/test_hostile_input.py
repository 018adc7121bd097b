"""Hostile input never reaches a 500: NUL bytes and control characters in URLs and text,
deeply nested or oversized JSON, on every page, API endpoint and socket.

Runs on SQLite and (``make test-services``) on PostgreSQL, which refuses a NUL byte in any
query: the answers must be the same on both.
"""

from __future__ import annotations

import json

import pytest
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.contrib import admin
from django.test import Client, RequestFactory
from django.urls import Resolver404, resolve

from livestock.consumers import ShopStockConsumer  # noqa: F401  (routing below imports it)
from livestock.models import Listing
from pickup.models import PickupPlace
from shops.errors import InvalidInput
from shops.models import Shop
from shops.validation import (
    MalformedJson,
    NoControlCharactersValidator,
    clean_text,
    parse_json,
)
from tests import factories

pytestmark = pytest.mark.django_db

NUL_PAGES = [
    "/s/a%00b/",
    "/s/a%00b/l/1/",
    "/s/a%00b/og/1-abc.png",
    "/s/a%00b/reserve/",
    "/r/a%00b/",
    "/r/a%00b/cancel/",
    "/cafe/a%00b/",
    "/cafe/a%00b/handover/",
]
NUL_API = [
    ("get", "/api/shops/a%00b"),
    ("get", "/api/shops/a%00b/stock"),
    ("get", "/api/reservations/a%00b"),
    ("post", "/api/reservations/a%00b/cancel"),
    ("post", "/api/shops/a%00b/reservations"),
    ("post", "/api/shops/a%00b/listings"),
]
NUL_OWNER = [
    "/owner/s/a%00b/",
    "/owner/s/a%00b/reservations/",
    "/owner/s/a%00b/area/",
    "/owner/s/a%00b/sharing/",
    "/owner/s/good/redeem/AB%00CD/",
]

DEEP = "[" * 50_000


@pytest.mark.parametrize("path", NUL_PAGES)
def test_a_nul_byte_in_a_public_page_url_is_a_plain_404(client, path):
    method = client.post if path.endswith(("/reserve/", "/cancel/", "/handover/")) else client.get
    assert method(path).status_code == 404


@pytest.mark.parametrize(("method", "path"), NUL_API)
def test_a_nul_byte_in_an_api_url_is_a_404_in_the_error_shape(api, method, path):
    if method == "get":
        response = api.get(path)
    else:
        response = api.post(path, "{}", content_type="application/json")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize("path", NUL_OWNER)
def test_a_nul_byte_in_an_owner_url_is_a_404(owner_client, path):
    assert owner_client.get(path).status_code == 404


@pytest.mark.parametrize("value", ["a\x00b", "a/b", "a\nb", "a b", "가게", "a" * 51])
def test_the_shop_converter_refuses_anything_but_a_slug(value):
    with pytest.raises(Resolver404):
        resolve(f"/s/{value}/")


def test_converters_keep_every_real_slug_and_token(shop, listing):
    assert resolve(f"/s/{shop.slug}/").kwargs == {"slug": shop.slug}
    point = factories.make_cafe(shop, "카페")
    reservation = factories.make_reservation(shop, listing, point)
    assert resolve(f"/r/{reservation.token}/").kwargs == {"token": reservation.token}
    assert resolve(f"/cafe/{point.place.staff_token}/").kwargs == {"token": point.place.staff_token}
    assert resolve(f"/owner/s/{shop.slug}/redeem/{reservation.code}/").kwargs["code"] == (
        reservation.code
    )


# --- text fields -----------------------------------------------------------------------


def reservation_body(listing, point, **change):
    return {
        "listing_id": listing.pk,
        "quantity": 1,
        "pickup_point_id": point.pk,
        "name": "김동네",
        "phone": "010-1234-5678",
        **change,
    }


@pytest.mark.parametrize("bad", ["김\x00동네", "김\x07동네", "김\x7f동네", "김\u0085동네"])
def test_a_reservation_name_with_a_control_character_is_a_422(client, shop, listing, bad):
    point = factories.make_cafe(shop, "카페")
    response = client.post(
        f"/api/shops/{shop.slug}/reservations",
        json.dumps(reservation_body(listing, point, name=bad)),
        content_type="application/json",
    )
    assert response.status_code == 422, response.content
    assert response.json()["code"] == "control_characters"
    assert "제어 문자" in response.json()["detail"]


def test_a_lone_surrogate_in_json_is_a_422(client, shop, listing):
    point = factories.make_cafe(shop, "카페")
    body = json.dumps(reservation_body(listing, point, name="김\ud800"))
    response = client.post(
        f"/api/shops/{shop.slug}/reservations", body, content_type="application/json"
    )
    assert response.status_code == 422, response.content
    assert response.json()["code"] in ("control_characters", "invalid_input")


@pytest.mark.parametrize("field", ["name", "unit", "staff_note"])
def test_listing_text_with_a_nul_byte_is_a_422(api, shop, field):
    body = {"name": "단감", "available": 5, "price": 1000, field: "단\x00감"}
    response = api.post(
        f"/api/shops/{shop.slug}/listings", json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 422, response.content
    assert response.json()["code"] == "control_characters"


def test_option_label_with_a_nul_byte_is_a_422(api, shop):
    body = {
        "name": "단감",
        "available": 5,
        "price": 1000,
        "options": [{"label": "1\x00팩", "price": 1000}],
    }
    response = api.post(
        f"/api/shops/{shop.slug}/listings", json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 422, response.content
    assert response.json()["code"] == "control_characters"


@pytest.mark.parametrize("field", ["name", "address", "opening_hours", "contact", "handover_notes"])
def test_cafe_text_with_a_nul_byte_is_a_422(api, shop, field):
    body = {"name": "카페", "lat": shop.lat, "lng": shop.lng, field: "카\x00페"}
    response = api.post(
        f"/api/shops/{shop.slug}/pickup-points", json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 422, response.content
    assert response.json()["code"] == "control_characters"


def test_cancel_reason_and_pause_reason_with_a_nul_byte_are_422(api, client, shop, listing):
    point = factories.make_cafe(shop, "카페")
    reservation = factories.make_reservation(shop, listing, point)
    response = client.post(
        f"/api/reservations/{reservation.token}/cancel",
        json.dumps({"reason": "\x00"}),
        content_type="application/json",
    )
    assert response.status_code == 422 and response.json()["code"] == "control_characters"
    response = api.post(
        f"/api/shops/{shop.slug}/pickup-points/{point.pk}/pause",
        json.dumps({"reason": "잠시\x00"}),
        content_type="application/json",
    )
    assert response.status_code == 422 and response.json()["code"] == "control_characters"


def test_the_reservation_form_page_refuses_a_nul_name_without_a_500(shop, listing):
    point = factories.make_cafe(shop, "카페")
    response = Client().post(
        f"/s/{shop.slug}/reserve/",
        {
            "listing_id": listing.pk,
            "quantity": 1,
            "pickup_point_id": point.pk,
            "name": "김\x00동네",
            "phone": "010-1234-5678",
        },
    )
    assert response.status_code in (200, 302, 400, 422)


def test_the_console_arrival_form_refuses_control_characters(owner_client, shop):
    response = owner_client.post(
        f"/owner/s/{shop.slug}/listings/new/",
        {"name": "단\x07감", "available": 5, "price": 1000, "unit": "개"},
    )
    assert response.status_code in (200, 400, 422)
    assert not Listing.objects.filter(shop=shop, name__contains="\x07").exists()


def test_the_admin_refuses_control_characters_in_text_fields(shop, django_user_model):
    superuser = django_user_model.objects.create_superuser("root", "r@example.com", "pw")
    request = RequestFactory().get("/admin/")
    request.user = superuser
    form_class = admin.site._registry[Shop].get_form(request, shop)
    assert any(
        isinstance(v, NoControlCharactersValidator)
        for v in form_class.base_fields["notice"].validators
    )
    place_form = admin.site._registry[PickupPlace].get_form(request)
    assert any(
        isinstance(v, NoControlCharactersValidator)
        for v in place_form.base_fields["name"].validators
    )


def test_clean_text_is_the_one_rule():
    assert clean_text("  단감 \n", label="x", max_length=10) == "단감"
    assert clean_text("줄\r\n바꿈\t", label="x", max_length=10, multiline=True) == "줄\n바꿈"
    assert clean_text(" 김  동   네", label="x", max_length=10, collapse_spaces=True) == "김 동 네"
    for bad in ["\x00", "a\x1bb", "\x7f", "\u009b", "\ud83d", "a\nb"]:
        with pytest.raises(InvalidInput) as caught:
            clean_text(bad, label="x", max_length=10)
        assert caught.value.code == "control_characters"
    with pytest.raises(InvalidInput):
        clean_text("a\x00b", label="x", max_length=10, multiline=True)


# --- nested and oversized JSON ---------------------------------------------------------


def test_parse_json_refuses_deep_nesting_and_keeps_strings_with_brackets():
    with pytest.raises(MalformedJson):
        parse_json(DEEP)
    with pytest.raises(MalformedJson):
        parse_json('{"a":' * 40 + "1" + "}" * 40)
    assert parse_json(json.dumps({"reason": "[" * 1000})) == {"reason": "[" * 1000}
    assert parse_json(b'{"a": [[1]]}') == {"a": [[1]]}
    with pytest.raises(MalformedJson):
        parse_json(b"\xff")


def test_deep_json_on_cancel_is_a_400(client, shop, listing):
    point = factories.make_cafe(shop, "카페")
    reservation = factories.make_reservation(shop, listing, point)
    response = client.post(
        f"/api/reservations/{reservation.token}/cancel", DEEP, content_type="application/json"
    )
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "malformed_json"


def test_deep_json_on_pause_is_a_400(api, shop):
    point = factories.make_cafe(shop, "카페")
    response = api.post(
        f"/api/shops/{shop.slug}/pickup-points/{point.pk}/pause",
        DEEP,
        content_type="application/json",
    )
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "malformed_json"


def test_deep_json_on_a_schema_endpoint_is_a_400(client, shop):
    response = client.post(
        f"/api/shops/{shop.slug}/reservations", DEEP, content_type="application/json"
    )
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "malformed_json"


@pytest.mark.parametrize(
    "path",
    [
        "/api/shops/{slug}/reservations",
        "/api/reservations/{token}/cancel",
        "/api/shops/{slug}/listings",
    ],
)
def test_a_3_mb_body_is_a_413(api, shop, listing, path):
    point = factories.make_cafe(shop, "카페")
    reservation = factories.make_reservation(shop, listing, point)
    url = path.format(slug=shop.slug, token=reservation.token)
    body = json.dumps({"name": "x" * (3 * 1024 * 1024)})
    response = api.post(url, body, content_type="application/json")
    assert response.status_code == 413, response.content[:300]
    assert response.json()["code"] == "payload_too_large"


# --- sockets ---------------------------------------------------------------------------


def websocket_app():
    from config.asgi import application

    return application


HOST = [(b"host", b"localhost"), (b"origin", b"http://localhost")]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "path",
    [
        "/ws/shops/a\x00b/",
        "/ws/reservations/a\x00b/",
        "/ws/cafe/a\x00b/",
        "/ws/owner/shops/a\x00b/reservations/",
        "/ws/nothing-here/",
    ],
)
async def test_a_socket_on_a_bad_path_is_refused_at_the_handshake(path):
    communicator = WebsocketCommunicator(websocket_app(), path, headers=HOST)
    connected, _ = await communicator.connect()
    assert not connected
    await communicator.wait()


@pytest.mark.django_db(transaction=True)
async def test_deep_json_on_a_reservation_socket_gets_an_error_and_the_socket_stays_open():
    from channels.db import database_sync_to_async

    @database_sync_to_async
    def scene():
        shop = factories.make_shop()
        listing = factories.make_listing(shop, "단감", 20)
        point = factories.make_cafe(shop, "카페")
        return factories.make_reservation(shop, listing, point), point

    reservation, point = await scene()
    from pickup.routing import websocket_urlpatterns

    for path in (f"/ws/reservations/{reservation.token}/", f"/ws/cafe/{point.place.staff_token}/"):
        communicator = WebsocketCommunicator(URLRouter(websocket_urlpatterns), path)
        connected, _ = await communicator.connect()
        assert connected
        await communicator.receive_json_from(timeout=5)
        await communicator.send_to(text_data=DEEP)
        answer = await communicator.receive_json_from(timeout=5)
        assert answer["type"] == "error" and answer["code"] in (
            "malformed_json",
            "malformed_message",
        )
        await communicator.send_to(text_data="[" * 100)
        assert (await communicator.receive_json_from(timeout=5))["type"] == "error"
        await communicator.send_json_to({"type": "ping"})
        assert (await communicator.receive_json_from(timeout=5))["type"] == "pong"
        await communicator.disconnect()


# --- the websocket origin check --------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("host", "origin", "ok"),
    [
        (b"localhost", b"http://localhost", True),
        (b"localhost:8000", b"http://localhost:8000", True),
        (b"localhost:8000", b"http://localhost:8001", False),
        (b"localhost", b"https://localhost", False),
        (b"localhost:443", b"http://localhost:443", True),
        (b"localhost", b"http://localhost:80", True),
        (b"localhost", b"http://evil.example", False),
        (b"evil.example", b"http://evil.example", False),
        (b"localhost", b"null", False),
    ],
)
async def test_the_socket_origin_must_match_scheme_host_and_port(shop, host, origin, ok):
    communicator = WebsocketCommunicator(
        websocket_app(), "/ws/nothing-here/", headers=[(b"host", host), (b"origin", origin)]
    )
    from config.websocket import AllowedHostsOriginValidator

    validator = AllowedHostsOriginValidator(None)
    assert validator.valid(communicator.scope) is ok


def test_the_origin_check_follows_the_proxy_scheme(settings):
    from config.websocket import AllowedHostsOriginValidator

    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    validator = AllowedHostsOriginValidator(None)
    scope = {
        "type": "websocket",
        "headers": [
            (b"host", b"localhost"),
            (b"origin", b"https://localhost"),
            (b"x-forwarded-proto", b"https"),
        ],
    }
    assert validator.valid(scope)
    scope["headers"][1] = (b"origin", b"http://localhost")
    assert not validator.valid(scope)


# --- hardening: CSP connect-src, sends after a client has gone ------------------------


def csp_directive(response, name: str) -> list[str]:
    for part in response["Content-Security-Policy"].split(";"):
        words = part.split()
        if words and words[0] == name:
            return words[1:]
    return []


def test_csp_connects_only_to_the_sites_own_websocket_origin(client, shop):
    connect = csp_directive(client.get(f"/s/{shop.slug}/"), "connect-src")
    assert connect == ["'self'", "ws://testserver"]
    assert "ws:" not in connect and "wss:" not in connect


def test_csp_names_the_secure_websocket_origin_behind_tls(settings, shop):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    response = Client().get(
        f"/s/{shop.slug}/", headers={"X-Forwarded-Proto": "https", "Host": "localhost"}
    )
    assert csp_directive(response, "connect-src") == ["'self'", "wss://localhost"]


def test_csp_keeps_kakao_hosts_next_to_the_websocket_origin(settings, shop):
    settings.KAKAO_JS_KEY = "test-key"
    connect = csp_directive(Client().get(f"/s/{shop.slug}/"), "connect-src")
    assert "ws://testserver" in connect
    assert all(host in connect for host in settings.KAKAO_CONNECT_HOSTS)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("kind", ["shop", "reservation", "cafe"])
async def test_a_client_that_pings_and_leaves_at_once_ends_its_consumer_quietly(kind, caplog):
    """Daphne's protocol raises autobahn's Disconnected for a send after the client closed;
    the consumer must end as usual instead of crashing with a traceback."""
    import asyncio

    from autobahn.exception import Disconnected
    from channels.db import database_sync_to_async

    @database_sync_to_async
    def scene():
        shop = factories.make_shop()
        listing = factories.make_listing(shop, "단감", 20)
        point = factories.make_cafe(shop, "카페")
        return shop, factories.make_reservation(shop, listing, point), point

    shop, reservation, point = await scene()
    path = {
        "shop": f"/ws/shops/{shop.slug}/",
        "reservation": f"/ws/reservations/{reservation.token}/",
        "cafe": f"/ws/cafe/{point.place.staff_token}/",
    }[kind]
    inbox: asyncio.Queue = asyncio.Queue()
    for message in (
        {"type": "websocket.connect"},
        {"type": "websocket.receive", "text": '{"type": "ping"}'},
    ):
        inbox.put_nowait(message)
    gone = asyncio.Event()

    async def send(message):
        if message["type"] == "websocket.accept":
            return
        # The client has already closed: the server learns it on its next write.
        gone.set()
        inbox.put_nowait({"type": "websocket.disconnect", "code": 1000})
        raise Disconnected("Attempt to send on a closed protocol")

    scope = {
        "type": "websocket",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": HOST,
        "subprotocols": [],
        "client": ["127.0.0.1", 1],
        "server": ["127.0.0.1", 80],
    }
    await asyncio.wait_for(websocket_app()(scope, inbox.get, send), timeout=10)
    assert gone.is_set()
    assert "Traceback" not in caplog.text and "Exception inside" not in caplog.text


# --- headers and query strings ---------------------------------------------------------


@pytest.mark.parametrize("page", ["/owner/login/", "/admin/login/"])
def test_a_nul_in_the_user_agent_of_a_sign_in_is_a_400_not_a_500(shop, page):
    """django-axes records the user agent of a failed sign-in: on PostgreSQL a NUL in it
    would fail the insert."""
    factories.make_owner(shop, username="boss")
    client = Client(HTTP_USER_AGENT="evil\x00agent")
    response = client.post(page, {"username": "boss", "password": "wrong"})
    assert response.status_code == 400
    assert "쓸 수 없는 문자" in response.content.decode()


@pytest.mark.parametrize(
    "url",
    [
        "/api/shops/nearby?lat=%00&lng=1",
        "/owner/login/?next=%00",
        "/?q=a%00b",
        "/api/shops/nearby?%00=1",
    ],
)
def test_a_nul_in_a_query_string_is_a_400(client, url):
    response = client.get(url)
    assert response.status_code == 400
    if url.startswith("/api/"):
        assert response.json()["code"] == "bad_request"


def test_ordinary_headers_and_queries_pass(client, shop):
    response = client.get(f"/s/{shop.slug}/?ch=kakao", headers={"User-Agent": "Mozilla/5.0\t(x)"})
    assert response.status_code == 200


def test_the_admin_polygon_field_refuses_deeply_nested_json_as_a_form_error(
    shop, django_user_model
):
    superuser = django_user_model.objects.create_superuser("root", "r@example.com", "pw")
    request = RequestFactory().get("/admin/")
    request.user = superuser
    form_class = admin.site._registry[Shop].get_form(request, shop)
    field = form_class.base_fields["service_polygon"]
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        field.clean(DEEP + "]" * 50_000)
