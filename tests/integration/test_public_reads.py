"""The shop JSON reads answered ahead of Django (config/public_reads.py): a repeat answer is
the one the whole stack sent, a change shows at once, and whatever the stack would refuse or
treat per visitor still goes through it."""

from __future__ import annotations

import json
import re
from http.cookies import SimpleCookie

import pytest
from asgiref import sync
from django.core import signals
from django.db import connections

from livestock import services as stock_services
from tests.integration.test_asgi_http import asgi_exchange, asgi_request

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
async def close_thread_connections():
    yield
    await sync.sync_to_async(connections.close_all)()


@pytest.fixture
def django_requests():
    """How many requests went through Django's handler (request_started)."""
    seen: list[int] = []

    def started(**kwargs):
        seen.append(1)

    signals.request_started.connect(started, dispatch_uid="test_public_reads")
    yield seen
    signals.request_started.disconnect(dispatch_uid="test_public_reads")


def json_paths(shop) -> list[str]:
    return [
        f"/api/shops/{shop.slug}",
        f"/api/shops/{shop.slug}/stock?since=0",
        f"/api/shops/nearby?lat={shop.lat}&lng={shop.lng}",
    ]


async def test_repeat_reads_are_sent_as_the_stack_sent_them(shop, listing, django_requests):
    for path in json_paths(shop):
        first = await asgi_request("GET", path)
        count = len(django_requests)
        again = await asgi_request("GET", path)
        assert first[0] == 200
        assert again == first, path
        assert len(django_requests) == count, path
        for header in (b"content-security-policy", b"x-frame-options", b"content-language"):
            assert header in first[1], (path, header)


async def test_a_stock_change_shows_on_every_cached_path_at_once(shop, listing):
    """Every path kept ahead of Django, warmed twice, then read back after one change."""
    pages = [f"/s/{shop.slug}/", f"/s/{shop.slug}/l/{listing.pk}/"]
    for path in [*json_paths(shop), *pages] * 2:
        assert (await page_request(path))[0] == 200
    await sync.sync_to_async(stock_services.adjust_stock)(
        shop=shop, listing_id=listing.pk, delta=-50
    )
    detail, poll, nearby = [
        json.loads((await asgi_request("GET", path))[2]) for path in json_paths(shop)
    ]
    assert detail["listings"][0]["available"] == 150
    assert poll["version"] == detail["stock_version"]
    assert nearby[0]["listings"][0]["available"] == 150
    assert nearby[0]["stock_version"] == detail["stock_version"]
    for path in pages:
        status, _headers, body = await page_request(path)
        assert status == 200 and b"150" in body and b"200\xed\x8c\xa9" not in body, path


async def test_what_the_stack_refuses_is_still_refused(shop, listing, django_requests):
    path = f"/api/shops/{shop.slug}"
    assert (await asgi_request("GET", path))[0] == 200
    hostile = await asgi_request("GET", path, headers=[(b"user-agent", b"bad\x01agent")])
    assert hostile[0] == 400 and json.loads(hostile[2])["code"] == "bad_request"
    wrong_host = await asgi_request("GET", path, headers=[(b"host", b"evil.example")])
    assert wrong_host[0] == 400
    missing = await asgi_request("GET", "/api/shops/no-such-shop")
    assert missing[0] == 404 and json.loads(missing[2])["code"] == "shop_not_found"
    bad = await asgi_request("GET", f"/api/shops/{shop.slug}/stock?since=-3")
    assert bad[0] == 422 and json.loads(bad[2])["detail"]


async def test_languages_proxies_and_signed_in_visitors_are_kept_apart(
    shop, listing, django_requests
):
    path = f"/api/shops/{shop.slug}"
    korean = await asgi_request("GET", path)
    english = await asgi_request("GET", path, headers=[(b"accept-language", b"en")])
    assert korean[1][b"content-language"] == b"ko"
    assert english[1][b"content-language"] == b"en"
    count = len(django_requests)
    await asgi_request("GET", path, headers=[(b"x-forwarded-proto", b"https")])
    await asgi_request("GET", path, headers=[(b"cookie", b"sessionid=abc")])
    await asgi_request("GET", path, headers=[(b"cookie", b"sessionid=abc")])
    assert len(django_requests) == count + 3


async def test_a_closed_shop_is_not_answered_from_before(shop, listing):
    path = f"/api/shops/{shop.slug}"
    assert (await asgi_request("GET", path))[0] == 200
    shop.is_active = False
    await sync.sync_to_async(shop.save)()
    assert (await asgi_request("GET", path))[0] == 404


CSRF = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')
IDEMPOTENCY = re.compile(rb'name="idempotency_key" value="([^"]+)"')


def cookies_of(headers: list[tuple[bytes, bytes]]) -> dict[str, str]:
    jar = SimpleCookie()
    for name, value in headers:
        if name.lower() == b"set-cookie":
            jar.load(value.decode())
    return {key: morsel.value for key, morsel in jar.items()}


async def page_request(path: str, headers=None):
    """Every response header kept (a page sends several Set-Cookie)."""
    return await asgi_exchange("GET", path, headers=headers)


async def test_a_repeat_page_is_sent_with_this_visitors_token_key_and_cookies(
    shop, listing, django_requests
):
    page = f"/s/{shop.slug}/"
    first = await page_request(page)
    count = len(django_requests)
    second = await page_request(page)
    assert first[0] == second[0] == 200
    assert len(django_requests) == count  # not through Django
    for _status, headers, body in (first, second):
        cookies = cookies_of(headers)
        assert "csrftoken" in cookies and "d5k_device" in cookies
        assert CSRF.search(body) and IDEMPOTENCY.search(body)
        assert b"\x00" not in body
    assert CSRF.search(first[2]).group(1) != CSRF.search(second[2]).group(1)
    assert IDEMPOTENCY.search(first[2]).group(1) != IDEMPOTENCY.search(second[2]).group(1)
    assert cookies_of(first[1])["csrftoken"] != cookies_of(second[1])["csrftoken"]

    def blank(body: bytes) -> bytes:
        return IDEMPOTENCY.sub(b"", CSRF.sub(b"", body))

    assert blank(first[2]) == blank(second[2])
    first_headers = {n.lower() for n, _v in first[1]}
    assert first_headers == {n.lower() for n, _v in second[1]}
    assert b"content-security-policy" in first_headers


async def test_the_token_of_a_cached_page_is_the_one_its_cookie_accepts(shop, listing):
    page = f"/s/{shop.slug}/"
    await page_request(page)
    status, headers, body = await page_request(page)
    secret = cookies_of(headers)["csrftoken"]
    token = CSRF.search(body).group(1)

    def check(token: bytes, secret: str) -> bool:
        from django.middleware.csrf import _unmask_cipher_token  # noqa: PLC2701

        return _unmask_cipher_token(token.decode()) == secret

    assert await sync.sync_to_async(check)(token, secret)
    # A visitor who already has a cookie keeps its secret (Django sends it again, renewed)
    # and gets a token for it.
    again = await page_request(page, headers=[(b"cookie", f"csrftoken={secret}".encode())])
    assert cookies_of(again[1]).get("csrftoken", secret) == secret
    assert await sync.sync_to_async(check)(CSRF.search(again[2]).group(1), secret)


async def test_a_shared_links_visit_and_a_changed_count_go_through(shop, listing, django_requests):
    page = f"/s/{shop.slug}/"
    await page_request(page)
    count = len(django_requests)
    await page_request(page + "?ref=kakao")
    await page_request(page + "?ref=kakao")
    assert len(django_requests) == count + 2
    await sync.sync_to_async(stock_services.adjust_stock)(
        shop=shop, listing_id=listing.pk, delta=-11
    )
    status, _headers, body = await page_request(page)
    assert status == 200 and b"189" in body


async def test_a_page_kept_ahead_of_django_is_not_kept_twice(shop, listing):
    from storefront.page_cache import store

    await page_request(f"/s/{shop.slug}/")
    assert len(store._items) == 0
    await page_request(f"/s/{shop.slug}/?ref=kakao")  # through the view: kept by the middleware
    assert len(store._items) == 1
