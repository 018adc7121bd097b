"""The shop JSON reads answered ahead of Django (config/public_reads.py): a repeat answer is
the one the whole stack sent, a change shows at once, and whatever the stack would refuse or
treat per visitor still goes through it."""

from __future__ import annotations

import json

import pytest
from asgiref import sync
from django.core import signals
from django.db import connections

from livestock import services as stock_services
from tests.integration.test_asgi_http import asgi_request

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


async def test_a_stock_change_shows_on_every_json_read_at_once(shop, listing):
    for path in json_paths(shop):
        await asgi_request("GET", path)
    await sync.sync_to_async(stock_services.adjust_stock)(
        shop=shop, listing_id=listing.pk, delta=-50
    )
    detail, poll, nearby = [
        json.loads((await asgi_request("GET", path))[2]) for path in json_paths(shop)
    ]
    assert detail["listings"][0]["available"] == 150
    assert poll["changes"][-1]["available"] == 150 if "changes" in poll else True
    assert poll["version"] == detail["stock_version"]
    assert nearby[0]["listings"][0]["available"] == 150


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
