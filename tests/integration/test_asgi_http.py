"""HTTP through the project's ASGI application (config/http.py): each request handled in one
call to a fixed pool of worker threads, with the same answers as Django's own handlers."""

from __future__ import annotations

import asyncio
import json
import re
import threading

import pytest
from asgiref import sync
from asgiref.testing import ApplicationCommunicator
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.db import connections
from django.test import Client

from config.asgi import application

pytestmark = pytest.mark.django_db(transaction=True)
# Tests that compare a repeat with the first answer take the ``clock`` fixture: the minute is
# part of a kept answer's key, so a minute turning between the two would make a new one.


async def asgi_request(
    method: str, path: str, body: bytes = b"", headers: list[tuple[bytes, bytes]] | None = None
) -> tuple[int, dict, bytes]:
    status, raw, answer = await asgi_exchange(method, path, body, headers)
    return status, {k.lower(): v for k, v in raw}, answer


async def asgi_exchange(
    method: str, path: str, body: bytes = b"", headers: list[tuple[bytes, bytes]] | None = None
) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """One request through the ASGI application; every response header kept, in order."""
    path, _, query = path.partition("?")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(b"host", b"testserver"), *(headers or [])],
        "client": ("127.0.0.1", 40000),
        "server": ("testserver", 80),
    }
    communicator = ApplicationCommunicator(application, scope)
    await communicator.send_input({"type": "http.request", "body": body, "more_body": False})
    start = await communicator.receive_output(10)
    chunks = []
    while True:
        message = await communicator.receive_output(10)
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            break
    await communicator.wait(10)
    return start["status"], list(start["headers"]), b"".join(chunks)


@pytest.fixture(autouse=True)
async def close_thread_connections():
    """Work handed to the shared sync thread keeps that thread's connection open, which
    would stop PostgreSQL from dropping the test database."""
    yield
    await sync.sync_to_async(connections.close_all)()


@pytest.fixture
def loop_statements(monkeypatch) -> list[tuple[str, list]]:
    """Every statement (and its parameters) config/loop_reads.py sends on the event loop."""
    from config import loop_reads

    sent: list[tuple[str, list]] = []
    fetch = loop_reads.database.fetch

    async def recording(sql, params):
        sent.append((sql, params))
        return await fetch(sql, params)

    monkeypatch.setattr(loop_reads.database, "fetch", recording)
    return sent


@pytest.fixture
def hand_offs(monkeypatch) -> list[str]:
    """The name of every function handed from the event loop to a thread."""
    calls: list[str] = []
    original = sync.SyncToAsync.__call__

    async def counting(self, *args, **kwargs):
        calls.append(getattr(self.func, "__qualname__", repr(self.func)))
        return await original(self, *args, **kwargs)

    monkeypatch.setattr(sync.SyncToAsync, "__call__", counting)
    return calls


async def test_a_request_is_one_hand_off_to_a_worker_thread(shop, listing, hand_offs):
    status, headers, body = await asgi_request("GET", "/healthz")

    assert status == 200
    assert json.loads(body)["status"] == "ok"
    # Django's own ASGI handler makes about fifteen here: request_started, each
    # MiddlewareMixin hook on its own, the view, response.close.
    assert hand_offs == ["ThreadPoolASGIHandler.respond"], hand_offs
    assert b"content-security-policy" in headers


async def test_a_repeat_shop_read_never_leaves_the_event_loop(shop, listing, hand_offs, clock):
    status, headers, body = await asgi_request("GET", f"/api/shops/{shop.slug}")
    assert status == 200 and json.loads(body)["slug"] == shop.slug
    assert hand_offs == ["ThreadPoolASGIHandler.respond"]
    hand_offs.clear()
    again = await asgi_request("GET", f"/api/shops/{shop.slug}")
    assert hand_offs == [], hand_offs  # the versions were read on the loop
    assert again == (status, headers, body)
    assert b"content-security-policy" in headers


async def test_a_repeat_nearby_search_is_answered_without_django(shop, listing, hand_offs, clock):
    """A first search runs on the loop on SQLite, in a worker thread on PostgreSQL (whose
    connections run searches side by side; config/loop_reads.py). A repeat at the point asks
    on the loop for the found shops' versions, on either database."""
    searched_in = [] if connections["default"].vendor == "sqlite" else ["_state_in_thread"]
    path = f"/api/shops/nearby?lat={shop.lat}&lng={shop.lng}"
    status, headers, body = await asgi_request("GET", path)
    assert status == 200 and [s["slug"] for s in json.loads(body)] == [shop.slug]
    assert hand_offs == [*searched_in, "ThreadPoolASGIHandler.respond"]
    hand_offs.clear()
    assert await asgi_request("GET", path) == (status, headers, body)
    assert hand_offs == [], hand_offs
    hand_offs.clear()
    refused, _headers, _body = await asgi_request("GET", "/api/shops/nearby?lat=north&lng=1")
    assert refused == 422 and hand_offs == ["ThreadPoolASGIHandler.respond"], hand_offs


async def test_a_shop_opening_at_a_repeated_point_is_found_at_once(shop, listing):
    from tests import factories

    path = f"/api/shops/nearby?lat={shop.lat}&lng={shop.lng}"
    await asgi_request("GET", path)
    await asgi_request("GET", path)
    opened = await sync.sync_to_async(factories.make_shop)(
        slug="opened-next-door", lat=shop.lat + 0.001, lng=shop.lng
    )
    status, _headers, body = await asgi_request("GET", path)
    assert status == 200 and [s["slug"] for s in json.loads(body)] == [shop.slug, opened.slug]
    await sync.sync_to_async(type(shop).objects.filter(pk=opened.pk).update)(lat=shop.lat + 0.3)
    status, _headers, body = await asgi_request("GET", path)
    assert status == 200 and [s["slug"] for s in json.loads(body)] == [shop.slug]


async def test_a_new_position_is_searched_once_for_its_key_and_its_answer(
    shop, listing, monkeypatch
):
    from storefront import nearby

    searched_again: list[tuple] = []
    search = nearby.nearby_shops

    def counting(*args, **kwargs):
        searched_again.append(args)
        return search(*args, **kwargs)

    monkeypatch.setattr(nearby, "nearby_shops", counting)
    for step in range(3):
        path = f"/api/shops/nearby?lat={shop.lat + step * 1e-4}&lng={shop.lng}"
        status, _headers, body = await asgi_request("GET", path)
        assert status == 200 and [s["slug"] for s in json.loads(body)] == [shop.slug]
    assert searched_again == []


async def test_a_repeat_on_the_loop_does_not_search(shop, listing, loop_statements):
    from django.test import RequestFactory

    from config import loop_reads
    from storefront import page_cache

    first = await loop_reads.nearby_state(shop.lat, shop.lng, limit=30)
    if first is loop_reads.ASK_DJANGO:  # PostgreSQL searches in a worker thread
        request = RequestFactory().get("/api/shops/nearby", {"lat": shop.lat, "lng": shop.lng})
        await sync.sync_to_async(page_cache.nearby_state)(request)
    loop_statements.clear()
    again = await loop_reads.nearby_state(shop.lat, shop.lng, limit=30)
    assert again != loop_reads.ASK_DJANGO
    state, searched = again
    assert [shop_state[0] for shop_state in state] == [shop.pk] and searched is None
    assert len(loop_statements) == 1 and "lat_band" not in loop_statements[0][0], loop_statements


async def test_visitors_missing_together_wait_for_one_drawing(shop, listing, hand_offs):
    path = f"/api/shops/{shop.slug}"
    answers = await asyncio.gather(*(asgi_request("GET", path) for _ in range(12)))
    assert hand_offs.count("ThreadPoolASGIHandler.respond") == 1, hand_offs
    assert {(status, body) for status, _headers, body in answers} == {(200, answers[0][2])}

    hand_offs.clear()
    pages = await asyncio.gather(*(asgi_request("GET", f"/s/{shop.slug}/") for _ in range(6)))
    assert hand_offs.count("ThreadPoolASGIHandler.respond") == 1, hand_offs
    tokens = set()
    for status, headers, body in pages:
        assert status == 200 and b"set-cookie" in headers
        tokens.add(re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)[1])
    assert len(tokens) == len(pages)  # each visitor their own


async def test_a_drawing_that_is_not_kept_sends_the_waiting_to_django(
    shop, listing, hand_offs, monkeypatch
):
    from storefront.page_cache import Store

    monkeypatch.setattr(Store, "put", lambda self, key, item, shop_ids: None)
    path = f"/api/shops/{shop.slug}"
    answers = await asyncio.gather(*(asgi_request("GET", path) for _ in range(4)))
    assert {status for status, _headers, _body in answers} == {200}
    assert hand_offs.count("ThreadPoolASGIHandler.respond") == 4, hand_offs


@pytest.mark.postgres
async def test_on_a_database_server_version_reads_go_in_rounds(shop, loop_statements):
    """Every read that arrives while a round runs goes in the next one, together."""
    if connections["default"].vendor != "postgresql":
        pytest.skip("runs in the PostgreSQL pass (make test-services); SQLite reads in-process")
    from config import loop_reads
    from tests import factories

    other = await sync.sync_to_async(factories.make_shop)(slug="second-shop")
    slugs = [shop.slug, other.slug, "no-such-shop"] * 4
    states = await asyncio.gather(*(loop_reads.shop_state(slug) for slug in slugs))
    sent = [sorted(params[0]) for _sql, params in loop_statements]
    assert len(sent) <= 2 and sorted({s for round_ in sent for s in round_}) == sorted(set(slugs))
    assert states[0][:1] == (shop.pk,) and states[1][:1] == (other.pk,)
    assert states[2] is loop_reads.ASK_DJANGO
    # A change committed before a read is seen by it.
    await sync.sync_to_async(type(shop).objects.filter(pk=shop.pk).update)(page_version=77)
    assert (await loop_reads.shop_state(shop.slug))[2] == 77


@pytest.mark.postgres
async def test_on_a_database_server_repeats_at_points_go_in_rounds_too(shop, loop_statements):
    """Repeats at several points, arriving together, ask for their found shops' versions in
    one statement; a point whose shop moved away searches again."""
    if connections["default"].vendor != "postgresql":
        pytest.skip("runs in the PostgreSQL pass (make test-services); SQLite reads in-process")
    from django.test import RequestFactory

    from config import loop_reads
    from storefront import page_cache
    from tests import factories

    other = await sync.sync_to_async(factories.make_shop)(
        slug="second-shop", lat=shop.lat + 0.2, lng=shop.lng
    )
    points = [(shop.lat, shop.lng), (other.lat, other.lng), (shop.lat + 0.001, shop.lng)]
    for lat, lng in points:  # searched once each, in a worker thread as on PostgreSQL
        request = RequestFactory().get("/api/shops/nearby", {"lat": lat, "lng": lng})
        await sync.sync_to_async(page_cache.nearby_state)(request)
    loop_statements.clear()
    answers = await asyncio.gather(
        *(loop_reads.nearby_state(lat, lng, limit=30) for lat, lng in points * 3)
    )
    sent = [sql for sql, _params in loop_statements]
    assert len(sent) <= 2 and all("ANY" in sql for sql in sent), sent
    found = [[state[0] for state in answer[0]] for answer in answers[:3]]
    assert found == [[shop.pk], [other.pk], [shop.pk]]
    assert all(answer[1] is None for answer in answers)  # none searched
    await sync.sync_to_async(type(shop).objects.filter(pk=other.pk).update)(lat=other.lat + 1)
    assert await loop_reads.nearby_state(other.lat, other.lng, limit=30) is loop_reads.ASK_DJANGO
    # What the loop found stale is forgotten: Django's thread searches without asking again.
    assert page_cache.found_nearby.get((other.lat, other.lng)) is None


async def test_versions_the_loop_cannot_read_are_read_through_django(
    shop, listing, hand_offs, monkeypatch, clock
):
    from config import loop_reads

    first = await asgi_request("GET", f"/api/shops/{shop.slug}")
    loop_reads.database.close()

    def broken(self, sql, params):
        raise OSError("the connection went away")

    reader = type(loop_reads.database._current_reader())
    working = reader.fetch
    monkeypatch.setattr(reader, "fetch", broken)
    hand_offs.clear()
    assert await asgi_request("GET", f"/api/shops/{shop.slug}") == first
    assert hand_offs == ["_state_in_thread"], hand_offs
    # It rests after a failure instead of trying again on every request.
    monkeypatch.setattr(reader, "fetch", working)
    hand_offs.clear()
    assert await asgi_request("GET", f"/api/shops/{shop.slug}") == first
    assert hand_offs == ["_state_in_thread"], hand_offs
    loop_reads.database._resting_until = 0.0
    hand_offs.clear()
    assert await asgi_request("GET", f"/api/shops/{shop.slug}") == first
    assert hand_offs == [], hand_offs


async def test_a_shop_the_loop_does_not_see_yet_is_read_through_django(hand_offs):
    status, _headers, _body = await asgi_request("GET", "/api/shops/no-such-shop")
    assert status == 404
    assert hand_offs == ["_state_in_thread", "ThreadPoolASGIHandler.respond"], hand_offs


async def test_requests_share_a_fixed_set_of_threads(shop, monkeypatch):
    from config.asgi import django_asgi_app

    seen: set[str] = set()
    respond = django_asgi_app.respond

    def recording(*args):
        seen.add(threading.current_thread().name)
        return respond(*args)

    monkeypatch.setattr(django_asgi_app, "respond", recording)
    answers = await asyncio.gather(
        *(asgi_request("GET", f"/api/shops/{shop.slug}") for _ in range(40))
    )
    assert {status for status, _headers, _body in answers} == {200}
    assert 1 <= len(seen) <= django_asgi_app.executor._max_workers
    assert all(name.startswith("http") for name in seen)


async def test_a_stock_change_over_http_reaches_an_open_socket(shop, listing, token, monkeypatch):
    """The broadcast scheduled in the worker thread runs on the server's own event loop
    (asgiref's thread-local loop), not on a loop of its own in yet another thread."""
    layer = get_channel_layer()
    group_send = layer.group_send
    sent_from: list[int] = []

    async def recording(group, message):
        sent_from.append(threading.get_ident())
        return await group_send(group, message)

    monkeypatch.setattr(layer, "group_send", recording)
    socket = WebsocketCommunicator(application, f"/ws/shops/{shop.slug}/")
    connected, _ = await socket.connect()
    assert connected
    snapshot = await socket.receive_json_from()
    try:
        auth = [
            (b"authorization", f"Bearer {token}".encode()),
            (b"content-type", b"application/json"),
        ]
        status, _headers, body = await asgi_request(
            "POST", f"/api/shops/{shop.slug}/listings/{listing.pk}/stock", b'{"delta": -5}', auth
        )
        assert status == 200, body
        frame = await socket.receive_json_from(timeout=5)
        assert frame["type"] == "stock" and frame["version"] == snapshot["version"] + 1
        assert frame["listing"]["available"] == listing.available - 5
        assert sent_from == [threading.get_ident()]
    finally:
        await socket.disconnect()


async def test_the_answer_is_the_one_the_wsgi_path_gives(shop, listing):
    expected = await sync.sync_to_async(Client().get)(f"/api/shops/{shop.slug}")
    status, _headers, body = await asgi_request("GET", f"/api/shops/{shop.slug}")
    assert status == expected.status_code == 200
    assert json.loads(body) == expected.json()


async def test_token_writes_and_bad_bodies_through_asgi(shop, listing, token):
    auth = [(b"authorization", f"Bearer {token}".encode()), (b"content-type", b"application/json")]
    status, _headers, body = await asgi_request(
        "POST", f"/api/shops/{shop.slug}/listings/{listing.pk}/stock", b"{not json", auth
    )
    assert status == 400 and json.loads(body)["code"]

    status, _headers, body = await asgi_request(
        "POST", f"/api/shops/{shop.slug}/listings/{listing.pk}/stock", b'{"delta": -3}', auth
    )
    assert status == 200 and json.loads(body)["available"] == listing.available - 3

    no_token = [(b"content-type", b"application/json")]
    status, _headers, _body = await asgi_request(
        "POST", f"/api/shops/{shop.slug}/listings/{listing.pk}/stock", b'{"delta": -3}', no_token
    )
    assert status in (401, 403)


async def test_the_request_thread_closes_its_own_database_connection(shop, monkeypatch):
    wrapper = type(connections["default"])
    original_close = wrapper.close
    closed_in: list[int] = []
    used_in: list[int] = []

    def close(self):
        closed_in.append(threading.get_ident())
        return original_close(self)

    original_cursor = wrapper.cursor

    def cursor(self):
        used_in.append(threading.get_ident())
        return original_cursor(self)

    monkeypatch.setattr(wrapper, "close", close)
    monkeypatch.setattr(wrapper, "cursor", cursor)
    status, _headers, _body = await asgi_request("GET", f"/api/shops/{shop.slug}")
    assert status == 200
    assert used_in and set(used_in) <= set(closed_in), (used_in, closed_in)
