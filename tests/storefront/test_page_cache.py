"""Public reads served from bytes cached under the shop's versions (storefront/page_cache.py):
a repeat visit costs one statement, every change shows at once on every cached path, and
nothing per visitor (CSRF token, idempotency key, cookies) is shared between visitors."""

from __future__ import annotations

import json
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from livestock import services as stock_services
from pickup.services import calendar as pickup_calendar
from pickup.services import points as point_services
from pickup.services import reservations, windows
from reviews import services as review_services
from shops import services as shop_services
from shops.models import Shop
from storefront.page_cache import store
from tests import factories

# Real commits: page_version moves after a change commits.
pytestmark = pytest.mark.django_db(transaction=True)

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
IDEMPOTENCY = re.compile(r'name="idempotency_key" value="([^"]+)"')


def paths(shop, listing) -> dict[str, str]:
    return {
        "page": f"/s/{shop.slug}/",
        "item page": f"/s/{shop.slug}/l/{listing.pk}/",
        "shop JSON": f"/api/shops/{shop.slug}",
        "stock poll": f"/api/shops/{shop.slug}/stock?since=0",
        "nearby": f"/api/shops/nearby?lat={shop.lat}&lng={shop.lng}",
    }


def read_all(client: Client, shop, listing) -> dict[str, str]:
    answers = {}
    for name, path in paths(shop, listing).items():
        response = client.get(path)
        assert response.status_code == 200, (name, response.content[:300])
        answers[name] = response.content.decode()
    return answers


def statements(client: Client, path: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries)


@pytest.fixture
def counter(shop):
    point = factories.shop_counter(shop)
    factories.make_window(point, "09:00", "21:00")
    return point


def test_a_repeat_visit_is_answered_from_the_cache_with_one_statement(
    client, shop, listing, counter, clock
):
    for name in ("page", "item page"):
        path = paths(shop, listing)[name]
        first = statements(client, path)
        assert statements(client, path) == 1 < first, name


def test_a_changed_count_shows_on_every_cached_path_at_once(client, shop, listing, counter, clock):
    before = read_all(client, shop, listing)
    assert all("200" in body for body in before.values())
    stock_services.adjust_stock(shop=shop, listing_id=listing.pk, delta=-77)
    after = read_all(client, shop, listing)
    for name, body in after.items():
        assert "123" in body, name
        assert body != before[name], name
    detail = json.loads(after["shop JSON"])
    assert detail["listings"][0]["available"] == 123
    nearby = json.loads(after["nearby"])
    assert nearby[0]["listings"][0]["available"] == 123
    poll = json.loads(after["stock poll"])
    assert poll["version"] == Shop.objects.get(pk=shop.pk).stock_version


def _edit_details(shop, listing, point):
    shop_services.update_shop_details(shop=shop, changes={"notice": "오늘은 단감 특가"})
    return "오늘은 단감 특가"


def _pause_cafe(shop, listing, point):
    cafe = factories.make_cafe(shop, "한강뷰 카페")
    Client().get(f"/s/{shop.slug}/")  # cached with the café
    point_services.pause_pickup_point(shop=shop, point_id=cafe.pk, reason="공사")
    return None


def _close_today(shop, listing, point):
    from django.utils import timezone

    pickup_calendar.close_day(shop=shop, day=timezone.localdate(), reason="가게 사정")
    return None


def _remove_window(shop, listing, point):
    window = point.windows.get()
    windows.remove_pickup_window(shop=shop, window_id=window.pk)
    return None


def _review(shop, listing, point):
    reservation = factories.make_reservation(shop, listing, point)
    reservations.mark_ready(shop=shop, reservation_id=reservation.pk)
    reservations.hand_over(shop=shop, reservation_id=reservation.pk)
    reservation.refresh_from_db()
    review_services.write_review(reservation=reservation, rating=5, text="달고 맛있어요 정말 최고")
    return "달고 맛있어요 정말 최고"


@pytest.mark.parametrize(
    "change", [_edit_details, _pause_cafe, _close_today, _remove_window, _review]
)
def test_every_other_change_the_page_shows_moves_it_on(
    client, shop, listing, counter, clock, change
):
    path = f"/s/{shop.slug}/"
    before = client.get(path).content
    client.get(path)
    expected = change(shop, listing, counter)
    after = client.get(path).content.decode()
    assert after != before.decode()
    if expected:
        assert expected in after
    # …and what is cached now is the new page, served with one statement.
    assert statements(client, path) == 1


def test_a_cancellation_frees_its_window_on_the_page_even_with_no_stock_returned(
    client, shop, listing, clock
):
    other = factories.make_listing(shop, "배")
    point = factories.shop_counter(shop)
    window = factories.make_window(point, "12:00", "14:00", capacity=1)
    reservation = factories.make_reservation(shop, listing, point, window=window)
    stock_services.end_listing(shop=shop, listing_id=listing.pk)
    full = client.get(f"/s/{shop.slug}/", {"item": other.pk}).content.decode()
    client.get(f"/s/{shop.slug}/", {"item": other.pk})
    version = Shop.objects.get(pk=shop.pk).stock_version
    reservations.cancel_reservation(reservation_id=reservation.pk, by="customer")
    assert Shop.objects.get(pk=shop.pk).stock_version == version  # nothing went back on sale
    freed = client.get(f"/s/{shop.slug}/", {"item": other.pk}).content.decode()
    assert freed != full


def test_each_visitor_gets_their_own_token_idempotency_key_and_cookies(
    shop, listing, counter, clock
):
    first, second = Client(), Client()
    page = f"/s/{shop.slug}/"
    a = first.get(page)
    b = second.get(page)  # a cache hit
    assert statements(Client(), page) == 1
    assert CSRF.findall(a.content.decode()) and CSRF.findall(b.content.decode())
    assert set(CSRF.findall(a.content.decode())).isdisjoint(CSRF.findall(b.content.decode()))
    assert IDEMPOTENCY.findall(b.content.decode()) != IDEMPOTENCY.findall(a.content.decode())
    assert "\x00" not in b.content.decode()
    for response in (a, b):
        assert "csrftoken" in response.cookies
        assert "device" in " ".join(response.cookies.keys()) or len(response.cookies) >= 2
    # The token a cached page gave is the one that visitor's cookie accepts.
    csrf_client = Client(enforce_csrf_checks=True)
    hit = csrf_client.get(page)
    token = CSRF.search(hit.content.decode()).group(1)
    refused = Client(enforce_csrf_checks=True).post(f"/s/{shop.slug}/reserve/", {})
    assert refused.status_code == 403
    accepted = csrf_client.post(f"/s/{shop.slug}/reserve/", {"csrfmiddlewaretoken": token})
    assert accepted.status_code != 403


def test_the_same_page_minus_per_visitor_values_as_the_view_draws_it(shop, listing, counter, clock):
    page = f"/s/{shop.slug}/"
    drawn = Client().get(page).content.decode()
    served = Client().get(page).content.decode()

    def blank(html: str) -> str:
        return IDEMPOTENCY.sub("", CSRF.sub("", html))

    assert blank(served) == blank(drawn)


def test_languages_hosts_and_query_strings_are_kept_apart(client, shop, listing, counter, clock):
    page = f"/s/{shop.slug}/"
    korean = client.get(page).content.decode()
    english = Client(headers={"Accept-Language": "en"}).get(page).content.decode()
    assert 'lang="ko"' in korean and 'lang="en"' in english
    assert Client().get(page, headers={"Accept-Language": "en"}).content.decode().count('lang="en"')
    near = client.get(page, {"lat": shop.lat, "lng": shop.lng}).content.decode()
    assert near != korean


def test_a_shared_link_visit_is_still_counted_on_a_cached_page(shop, listing, counter, clock):
    from shops.models import ShareStat

    page = f"/s/{shop.slug}/?ref=kakao"
    Client(REMOTE_ADDR="10.0.0.1").get(page)
    Client(REMOTE_ADDR="10.0.0.2").get(page)  # a cache hit
    assert sum(ShareStat.objects.filter(shop=shop).values_list("visits", flat=True)) == 2


def test_signed_in_owners_errors_and_unknown_shops_go_through_the_views(
    owner_client, client, shop, listing, counter, clock
):
    page = f"/s/{shop.slug}/"
    owner_client.get(page)
    assert statements(owner_client, page) > 1
    missing = client.get("/api/shops/no-such-shop")
    assert missing.status_code == 404 and missing.json()["code"] == "shop_not_found"
    bad = client.get(f"/api/shops/{shop.slug}/stock?since=-1")
    assert bad.status_code == 422 and "detail" in bad.json()
    assert client.get(f"/api/shops/{shop.slug}/stock?since=-1").status_code == 422
    refused = client.get("/api/shops/nearby?lat=abc&lng=1")
    assert refused.status_code == 422 and refused.json()["code"]
    assert client.get("/s/no-such-shop/").status_code == 404


def test_a_repeat_nearby_asks_for_the_found_shops_until_an_area_changes(rf, shop, listing):
    """The key of a nearby answer read through Django (config/public_reads.py reads it so when
    the event loop cannot): a repeat at a point is one statement, the areas' version and the
    found shops' versions, with no search; a shop that opens, moves in or out, or closes
    there shows at once."""
    from storefront.page_cache import nearby_state

    request = rf.get("/api/shops/nearby", {"lat": shop.lat, "lng": shop.lng})

    def found() -> list[int]:
        state, hits = nearby_state(request)
        if hits is not None:  # it searched: the shops it found, as the answer lists them
            assert [hit.id for hit in hits] == [shop_state[0] for shop_state in state]
        return [shop_state[0] for shop_state in state]

    assert found() == [shop.pk]
    with CaptureQueriesContext(connection) as queries:
        assert found() == [shop.pk]
    assert len(queries) == 1 and "lat_band" not in queries[0]["sql"], queries.captured_queries
    opened = factories.make_shop(slug="opened-next-door", lat=shop.lat + 0.001, lng=shop.lng)
    assert found() == [shop.pk, opened.pk]
    Shop.objects.filter(pk=opened.pk).update(lat=shop.lat + 0.3)  # moved away
    assert found() == [shop.pk]
    Shop.objects.filter(pk=opened.pk).update(lat=shop.lat + 0.0005)  # back in
    assert found() == [shop.pk, opened.pk]
    shop.is_active = False
    shop.save()
    assert found() == [opened.pk]
    Shop.objects.filter(pk=opened.pk).delete()
    assert found() == []
    with CaptureQueriesContext(connection) as queries:
        assert found() == []
    assert len(queries) == 1, queries.captured_queries  # nothing found is kept as well


def test_an_inactive_shop_is_never_served_from_the_cache(client, shop, listing, counter, clock):
    page = f"/s/{shop.slug}/"
    client.get(page)
    shop.is_active = False
    shop.save()
    assert client.get(page).status_code == 404


def test_saving_a_shop_read_earlier_keeps_its_newer_versions(shop, listing):
    stale = Shop.objects.get(pk=shop.pk)
    stock_services.adjust_stock(shop=shop, listing_id=listing.pk, delta=-1)
    shop_services.mark_public_pages_changed([shop.pk])
    fresh = Shop.objects.get(pk=shop.pk)
    stale.name = "새 이름"
    stale.save()
    saved = Shop.objects.get(pk=shop.pk)
    assert saved.name == "새 이름"
    assert saved.stock_version == fresh.stock_version
    assert saved.page_version > fresh.page_version  # the save itself moved it on


def test_the_store_is_bounded():
    from storefront.page_cache import Store, Stored

    small = Store(limit=3)
    for i in range(5):
        small.put((i,), Stored(200, (), b"x", 1, "json"), [i])
    assert small.get((0,)) is None and small.get((4,)) is not None
    small.forget_shops({4})
    assert small.get((4,)) is None and small.get((3,)) is not None
    assert store.limit >= 1000


def test_a_store_forgets_an_entry_only_while_it_holds_what_was_read():
    from storefront.page_cache import Found, Store

    found = Store()
    stale, fresh = Found(1, (7,)), Found(2, (7,))
    found.put((37.5, 126.9), stale, [7])
    found.put((37.5, 126.9), fresh, [7])  # another thread searched again in between
    found.forget((37.5, 126.9), stale)
    assert found.get((37.5, 126.9)) is fresh
    found.forget((37.5, 126.9), fresh)
    assert found.get((37.5, 126.9)) is None
    found.forget((37.5, 126.9), fresh)  # nothing there: nothing to do


def test_a_database_error_while_reading_the_versions_is_the_views_to_answer(
    client, shop, listing, monkeypatch
):
    from django.db import OperationalError

    from storefront import page_cache

    def away(slug):
        raise OperationalError("the database is away")

    monkeypatch.setattr(page_cache, "shop_state", away)
    assert client.get(f"/s/{shop.slug}/?ref=kakao").status_code == 200  # the view still answers
