"""Shared links: Open Graph tags as a scraper reads them, versioned preview images,
the share sheet, visit and reservation attribution, and the owner's QR poster."""

from __future__ import annotations

import io
import re
from datetime import datetime, timedelta
from html.parser import HTMLParser
from unittest import mock
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.cache import cache
from django.db import connection
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image

from livestock import services as stock_services
from shops import sharing
from shops.models import ShareStat
from storefront import og_image, previews
from tests import factories

KAKAO_UA = "facebookexternalhit/1.1;kakaotalk-scrap/1.0"
PHONE_UA = (
    "Mozilla/5.0 (Linux; Android 14; SM-S921N) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0 Mobile Safari/537.36"
)


# Data blocks never run (CSP's script-src does not apply to them): JSON-LD for search engines.
DATA_BLOCKS = ("application/ld+json", "application/json")


class PageTags(HTMLParser):
    """What a link-preview scraper reads: <meta property|name=… content=…>, canonical, title."""

    def __init__(self) -> None:
        super().__init__()
        self.meta: dict[str, str] = {}
        self.canonical: str | None = None
        self.inline_scripts = 0
        self._in_title = False
        self.title = ""

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "meta":
            key = attrs.get("property") or attrs.get("name")
            if key:
                self.meta.setdefault(key, attrs.get("content", ""))
        elif tag == "link" and attrs.get("rel") == "canonical":
            self.canonical = attrs.get("href")
        elif tag == "script" and not attrs.get("src"):
            # A JSON-LD data block is never run (and CSP does not apply to it); code would be.
            if attrs.get("type") != "application/ld+json":
                self.inline_scripts += 1
        elif tag == "title":
            self._in_title = True

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False

    def handle_data(self, data):
        if self._in_title:
            self.title += data


def scrape(client: Client, url: str, **headers) -> tuple[PageTags, object]:
    response = client.get(url, headers={"User-Agent": KAKAO_UA, **headers})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    tags = PageTags()
    tags.feed(response.content.decode())
    return tags, response


def image_path(tags: PageTags) -> str:
    url = urlsplit(tags.meta["og:image"])
    assert url.scheme == "http" and url.netloc == "testserver"
    return url.path


def png_size(data: bytes) -> tuple[int, int]:
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG"
    return image.size


def forget_images() -> None:
    cache.clear()
    previews.recent_images.clear()


@pytest.fixture(autouse=True)
def empty_cache():
    forget_images()
    yield
    forget_images()


@pytest.fixture
def phone() -> Client:
    return Client(headers={"User-Agent": PHONE_UA})


def visits(shop, channel: str) -> int:
    row = ShareStat.objects.filter(shop=shop, channel=channel).first()
    return row.visits if row else 0


# --- Open Graph tags, as KakaoTalk's scraper sees them -----------------------------------


def test_shop_page_gives_the_kakao_scraper_complete_tags(client, shop, listing):
    shop.refresh_from_db()
    tags, response = scrape(client, f"/s/{shop.slug}/?ref=kakao")
    meta = tags.meta
    assert meta["og:title"] == "단감 200팩 오늘 입고 · 망원 과일가게"
    assert meta["twitter:title"] == meta["og:title"]
    assert "최대 1,100원 할인" in meta["og:description"]
    assert "반경 5km 픽업" in meta["og:description"]
    assert meta["twitter:description"] == meta["og:description"] == meta["description"]
    assert meta["og:url"] == tags.canonical == "http://testserver/s/mangwon-fruit/"
    assert meta["og:type"] == "website" and meta["og:locale"] == "ko_KR"
    assert (meta["og:image:width"], meta["og:image:height"]) == ("800", "400")
    assert meta["og:image:type"] == "image/png"
    assert meta["twitter:card"] == "summary_large_image"
    assert meta["twitter:image"] == meta["og:image"]
    assert re.fullmatch(
        rf"/s/{shop.slug}/og/{shop.stock_version}-[0-9a-f]{{12}}\.png", image_path(tags)
    )
    body = response.content.decode()
    assert "단감" in body and ">200<" in body, "the counts are in the server-rendered page"
    assert tags.inline_scripts == 0


def test_listing_page_has_its_own_tags(client, shop, listing):
    factories.make_listing(
        shop, name="샤인머스캣", available=40, unit="송이", price=15000, pickup_price=13000
    )
    tags, _response = scrape(client, f"/s/{shop.slug}/l/{listing.pk}/")
    meta = tags.meta
    assert meta["og:title"] == "단감 200팩 오늘 입고 · 망원 과일가게"
    assert meta["og:description"].startswith("픽업가 7,900원 (1,100원 할인)")
    assert meta["og:url"] == f"http://testserver/s/{shop.slug}/l/{listing.pk}/"
    assert image_path(tags).startswith(f"/s/{shop.slug}/l/{listing.pk}/og/")
    assert tags.title.strip() == meta["og:title"]


def test_titles_follow_the_count(client, shop, listing):
    stock_services.adjust_stock(shop=shop, listing_id=listing.pk, delta=-200)
    tags, _ = scrape(client, f"/s/{shop.slug}/l/{listing.pk}/")
    assert tags.meta["og:title"] == "단감 품절 · 망원 과일가게"
    stock_services.end_listing(shop=shop, listing_id=listing.pk)
    tags, _ = scrape(client, f"/s/{shop.slug}/l/{listing.pk}/")
    assert tags.meta["og:title"] == "단감 판매 종료 · 망원 과일가게"


def test_markup_in_names_is_escaped_in_tags(client, db):
    shop = factories.make_shop(slug="odd", name='"><script>alert(1)</script>')
    factories.make_listing(shop, name="<img src=x onerror=alert(2)>")
    tags, response = scrape(client, "/s/odd/")
    body = response.content.decode()
    assert "<script>alert(1)" not in body and "<img src=x" not in body
    assert tags.meta["og:title"].endswith('"><script>alert(1)</script>')  # text, unescaped once
    assert tags.inline_scripts == 0


def test_the_preview_names_the_pickup_windows_of_the_day(client, shop, listing, clock):
    counter = factories.shop_counter(shop)
    cafe = factories.make_cafe(shop)
    factories.make_window(counter, "17:00", "20:00")
    factories.make_window(counter, "11:00", "13:00")
    factories.make_window(cafe, "11:00", "13:00")  # the same slot at two places: named once
    off = factories.make_window(cafe, "08:00", "09:00")
    off.is_active = False
    off.save()
    paused = factories.make_cafe(shop, "쉬는 카페", status="paused")
    factories.make_window(paused, "21:00", "22:00")
    tags, _ = scrape(client, f"/s/{shop.slug}/")
    assert tags.meta["og:description"].endswith("오늘 픽업 11:00–13:00, 17:00–20:00")
    tags, _ = scrape(client, f"/s/{shop.slug}/l/{listing.pk}/")
    assert tags.meta["og:description"].endswith("오늘 픽업 11:00–13:00, 17:00–20:00")


def test_without_pickup_windows_the_preview_gives_the_opening_hours(client, shop, listing):
    shop.opening_hours = "매일 09:00–21:00"
    shop.save()
    tags, _ = scrape(client, f"/s/{shop.slug}/")
    assert tags.meta["og:description"].endswith("영업 매일 09:00–21:00")


def test_a_shop_without_listings_still_previews(client, shop):
    tags, _ = scrape(client, f"/s/{shop.slug}/")
    assert tags.meta["og:title"] == "망원 과일가게"
    response = client.get(image_path(tags))
    assert response.status_code == 200 and png_size(response.content) == (800, 400)


# --- the preview image: versioned, drawn once, cached ------------------------------------


def test_og_image_is_an_800x400_png_with_long_cache(client, shop, listing):
    tags, _ = scrape(client, f"/s/{shop.slug}/")
    response = client.get(image_path(tags), headers={"User-Agent": KAKAO_UA})
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert png_size(response.content) == (800, 400)
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    assert int(response["Content-Length"]) == len(response.content)


def test_new_count_gives_a_new_image_url_and_a_new_image(client, shop, listing):
    tags, _ = scrape(client, f"/s/{shop.slug}/")
    first_url = image_path(tags)
    first_png = client.get(first_url).content

    stock_services.adjust_stock(shop=shop, listing_id=listing.pk, delta=-3)
    shop.refresh_from_db()
    tags, _ = scrape(client, f"/s/{shop.slug}/")
    second_url = image_path(tags)
    assert second_url != first_url
    assert f"/og/{shop.stock_version}-" in second_url
    assert "단감 197팩" in tags.meta["og:title"]
    second_png = client.get(second_url).content
    assert second_png != first_png


def test_repeat_request_is_a_cache_hit_without_queries_or_drawing(
    client, shop, listing, django_assert_num_queries
):
    tags, _ = scrape(client, f"/s/{shop.slug}/")
    url = image_path(tags)
    with mock.patch.object(
        og_image, "render_preview_png", wraps=og_image.render_preview_png
    ) as render:
        first = client.get(url)
        assert render.call_count == 1
        with django_assert_num_queries(0):
            again = client.get(url)
        client.get(url)
        assert render.call_count == 1, "drawn once per version"
    assert again.status_code == 200 and again.content == first.content
    assert again["Cache-Control"] == first["Cache-Control"]


def test_a_hit_from_the_shared_cache_is_kept_in_process_memory(client, shop, listing):
    tags, _ = scrape(client, f"/s/{shop.slug}/")
    url = image_path(tags)
    first = client.get(url)
    previews.recent_images.clear()  # as in another process: only the shared cache has it
    with mock.patch.object(previews.cache, "get", wraps=previews.cache.get) as shared_get:
        assert client.get(url).content == first.content
        assert client.get(url).content == first.content
    assert shared_get.call_count == 1


def test_previews_are_still_served_when_the_shared_cache_is_down(client, shop, listing):
    tags, _ = scrape(client, f"/s/{shop.slug}/")
    broken = mock.Mock(side_effect=ConnectionError("cache down"))
    with (
        mock.patch.object(previews.cache, "get", broken),
        mock.patch.object(previews.cache, "set", broken),
    ):
        response = client.get(image_path(tags))
        assert response.status_code == 200 and png_size(response.content) == (800, 400)
        assert client.get(image_path(tags)).content == response.content  # from process memory


def test_process_memory_for_images_is_bounded(settings):
    settings.OG_IMAGE_MEMORY_BYTES = 1000
    memory = previews.RecentImages()
    for index in range(10):
        memory.put(f"k{index}", b"x" * 300)
    assert memory.size_bytes <= 1000
    assert memory.get("k9") == b"x" * 300 and memory.get("k0") is None
    memory.put("huge", b"x" * 5000)
    assert memory.get("huge") is None


def test_listing_image_is_cached_separately(client, shop, listing):
    shop_tags, _ = scrape(client, f"/s/{shop.slug}/")
    listing_tags, _ = scrape(client, f"/s/{shop.slug}/l/{listing.pk}/")
    shop_png = client.get(image_path(shop_tags)).content
    listing_png = client.get(image_path(listing_tags)).content
    assert png_size(listing_png) == (800, 400)
    assert shop_png != listing_png  # the listing's preview features it


def test_old_version_url_still_returns_the_current_image(client, shop, listing):
    tags, _ = scrape(client, f"/s/{shop.slug}/")
    old_url = image_path(tags)
    stock_services.adjust_stock(shop=shop, listing_id=listing.pk, delta=5)
    forget_images()  # the old image is gone from every cache as well

    response = client.get(old_url)
    assert response.status_code == 200
    assert png_size(response.content) == (800, 400)
    assert response["Cache-Control"] == "public, max-age=300"

    tags, _ = scrape(client, f"/s/{shop.slug}/")
    current = client.get(image_path(tags))
    assert current.content == response.content
    assert current["Cache-Control"].endswith("immutable")
    assert response["ETag"] == current["ETag"]


def test_unknown_digest_or_future_version_gets_the_current_image(client, shop, listing):
    shop.refresh_from_db()
    for path in (
        f"/s/{shop.slug}/og/{shop.stock_version}-0000.png",
        f"/s/{shop.slug}/og/9999999999999999999-abc.png",
    ):
        response = client.get(path)
        assert response.status_code == 200
        assert response["Cache-Control"] == "public, max-age=300"
        assert png_size(response.content) == (800, 400)


def test_etag_revalidation_answers_304(client, shop, listing):
    tags, _ = scrape(client, f"/s/{shop.slug}/")
    first = client.get(image_path(tags))
    again = client.get(image_path(tags), headers={"If-None-Match": first["ETag"]})
    assert again.status_code == 304 and again.content == b""


# --- bad input ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/s/no-such-shop/",
        "/s/no-such-shop/l/1/",
        "/s/mangwon-fruit/l/999999/",
        "/s/mangwon-fruit/l/99999999999999999999999/",
        "/s/no-such-shop/og/1-abc.png",
        "/s/mangwon-fruit/l/999999/og/1-abc.png",
    ],
)
def test_unknown_shop_or_listing_is_a_small_404_page(client, shop, listing, path):
    response = client.get(path)
    assert response.status_code == 404
    assert "페이지를 찾을 수 없습니다" in response.content.decode()


def test_another_shops_listing_is_not_found_here(client, shop, other_shop):
    theirs = factories.make_listing(other_shop, name="남의 상품")
    assert client.get(f"/s/{shop.slug}/l/{theirs.pk}/").status_code == 404


def test_inactive_shop_is_not_found(client, shop, listing):
    shop.is_active = False
    shop.save()
    assert client.get(f"/s/{shop.slug}/").status_code == 404


# --- share sheet ----------------------------------------------------------------------


def test_share_sheet_links_carry_their_channel(phone, shop, listing):
    response = phone.get(f"/s/{shop.slug}/")
    body = response.content.decode()
    assert 'src="/static/js/share.js"' in body
    for channel in ("share", "copy", "kakao"):
        assert f"http://testserver/s/{shop.slug}/?ref={channel}" in body
    naver = re.search(r'href="(https://share\.naver\.com/web/shareView\?[^"]+)"', body).group(1)
    query = parse_qs(urlsplit(naver.replace("&amp;", "&")).query)
    assert query["url"] == [f"http://testserver/s/{shop.slug}/?ref=naver"]
    assert query["title"] == ["단감 200팩 오늘 입고 · 망원 과일가게"]
    assert f'href="/s/{shop.slug}/l/{listing.pk}/"' in body, "each listing has its own link"


def test_kakao_is_hidden_and_csp_closed_without_a_key(phone, shop, listing, settings):
    settings.KAKAO_JS_KEY = ""
    response = phone.get(f"/s/{shop.slug}/")
    body = response.content.decode()
    assert "data-share-kakao" not in body and "data-kakao-key" not in body
    assert "kakao" not in response["Content-Security-Policy"]


def test_kakao_button_and_csp_host_only_with_a_key(phone, shop, listing, settings):
    settings.KAKAO_JS_KEY = "test-js-key"
    response = phone.get(f"/s/{shop.slug}/l/{listing.pk}/")
    body = response.content.decode()
    assert 'data-kakao-key="test-js-key"' in body and "data-share-kakao" in body
    policy = response["Content-Security-Policy"]
    script_src = re.search(r"script-src ([^;]+)", policy).group(1).split()
    assert sorted(script_src) == sorted(["'self'", "https://t1.kakaocdn.net"])
    assert "'unsafe-inline'" not in policy
    assert "kakao" not in phone.get("/").get("Content-Security-Policy", "")


# --- attribution ----------------------------------------------------------------------


def test_a_visit_through_a_shared_link_counts_once_a_day(phone, shop, listing):
    assert phone.get(f"/s/{shop.slug}/?ref=kakao").status_code == 200
    assert visits(shop, "kakao") == 1
    phone.get(f"/s/{shop.slug}/?ref=kakao")
    phone.get(f"/s/{shop.slug}/l/{listing.pk}/?ref=kakao")
    assert visits(shop, "kakao") == 1, "a reload is not a new visitor"
    Client(headers={"User-Agent": PHONE_UA}, REMOTE_ADDR="10.0.0.2").get(
        f"/s/{shop.slug}/?ref=kakao"
    )
    assert visits(shop, "kakao") == 2
    phone.get(f"/s/{shop.slug}/?ref=qr")
    assert visits(shop, "qr") == 1


def _writes(queries) -> list[str]:
    return [
        q["sql"]
        for q in queries
        if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
    ]


def test_cookieless_repeat_visits_count_once_and_write_nothing(shop, listing):
    bot = Client(headers={"User-Agent": PHONE_UA})  # drops every cookie it is given
    bot.get(f"/s/{shop.slug}/?ref=kakao")
    assert visits(shop, "kakao") == 1
    with CaptureQueriesContext(connection) as queries:
        for _ in range(199):
            bot.cookies.clear()
            assert bot.get(f"/s/{shop.slug}/?ref=kakao").status_code == 200
    assert visits(shop, "kakao") == 1
    assert _writes(queries.captured_queries) == []


def test_a_forged_or_fresh_device_cookie_is_not_a_new_visitor(phone, shop, listing):
    phone.get(f"/s/{shop.slug}/?ref=kakao")
    assert sharing.DEVICE_COOKIE in phone.cookies
    # Another cookie handed out today, and a made-up one: both still the same client.
    fresh = Client(headers={"User-Agent": PHONE_UA})
    fresh.cookies[sharing.DEVICE_COOKIE] = "made-up"
    fresh.get(f"/s/{shop.slug}/?ref=kakao")
    other = Client(headers={"User-Agent": PHONE_UA})
    other.cookies[sharing.DEVICE_COOKIE] = phone.cookies[sharing.DEVICE_COOKIE].value
    other.get(f"/s/{shop.slug}/?ref=kakao")
    assert visits(shop, "kakao") == 1


def test_distinct_clients_are_counted(shop, listing):
    for number in range(5):
        Client(headers={"User-Agent": PHONE_UA}, REMOTE_ADDR=f"10.0.1.{number}").get(
            f"/s/{shop.slug}/?ref=kakao"
        )
    Client(headers={"User-Agent": PHONE_UA + " other"}, REMOTE_ADDR="10.0.1.0").get(
        f"/s/{shop.slug}/?ref=kakao"
    )
    assert visits(shop, "kakao") == 6


def test_the_next_seoul_day_counts_again(shop, listing):
    phone = Client(headers={"User-Agent": PHONE_UA})
    bot = Client(headers={"User-Agent": PHONE_UA + " bot"})
    late = timezone.make_aware(datetime(2026, 11, 20, 23, 50))  # Asia/Seoul
    with mock.patch("django.utils.timezone.now", return_value=late):
        phone.get(f"/s/{shop.slug}/?ref=kakao")
        bot.get(f"/s/{shop.slug}/?ref=kakao")
        bot.cookies.clear()
        bot.get(f"/s/{shop.slug}/?ref=kakao")
    assert visits(shop, "kakao") == 2
    next_day = late + timedelta(minutes=20)
    with mock.patch("django.utils.timezone.now", return_value=next_day):
        phone.get(f"/s/{shop.slug}/?ref=kakao")  # yesterday's device cookie names it now
        phone.get(f"/s/{shop.slug}/?ref=kakao")
        bot.cookies.clear()
        bot.get(f"/s/{shop.slug}/?ref=kakao")
        bot.cookies.clear()
        bot.get(f"/s/{shop.slug}/?ref=kakao")
    rows = dict(ShareStat.objects.filter(shop=shop, channel="kakao").values_list("day", "visits"))
    assert rows == {late.date(): 2, next_day.astimezone(timezone.get_current_timezone()).date(): 2}


def test_unknown_ref_is_counted_as_other_and_never_reflected(phone, shop, listing):
    evil = '"><script>alert(1)</script>'
    response = phone.get(f"/s/{shop.slug}/", {"ref": evil})
    body = response.content.decode()
    assert evil not in body and "<script>alert(1)" not in body
    assert visits(shop, "other") == 1
    assert set(ShareStat.objects.values_list("channel", flat=True)) == {"other"}
    phone.get(f"/s/{shop.slug}/?ref=KAKAO%20")
    assert visits(shop, "kakao") == 1


def test_scrapers_and_plain_visits_are_not_counted(client, phone, shop, listing):
    response = client.get(f"/s/{shop.slug}/?ref=kakao", headers={"User-Agent": KAKAO_UA})
    assert sharing.REF_COOKIE not in response.cookies
    client.get(
        f"/s/{shop.slug}/?ref=naver", headers={"User-Agent": "Yeti/1.1 (+http://naver.me/spd)"}
    )
    phone.get(f"/s/{shop.slug}/")
    phone.get(f"/s/{shop.slug}/?ref=")
    assert ShareStat.objects.count() == 0


def _request_with_cookies(client: Client):
    request = RequestFactory().post("/api/shops/x/reservations")
    request.COOKIES = {key: morsel.value for key, morsel in client.cookies.items()}
    return request


def test_reservation_is_attributed_to_the_visitors_channel(phone, shop, listing):
    phone.get(f"/s/{shop.slug}/?ref=qr")
    request = _request_with_cookies(phone)
    assert sharing.reservation_channel(request, shop) == "qr"
    assert sharing.attribute_reservation(request, shop) == "qr"
    assert sharing.attribute_reservation(request, shop.pk) == "qr"
    row = ShareStat.objects.get(shop=shop, channel="qr")
    assert (row.visits, row.reservations) == (1, 2)


def test_last_channel_wins_and_other_shops_are_separate(phone, shop, other_shop, listing):
    phone.get(f"/s/{shop.slug}/?ref=kakao")
    phone.get(f"/s/{shop.slug}/?ref=naver")
    phone.get(f"/s/{other_shop.slug}/?ref=copy")
    request = _request_with_cookies(phone)
    assert sharing.reservation_channel(request, shop) == "naver"
    assert sharing.reservation_channel(request, other_shop) == "copy"


def test_no_cookie_tampered_cookie_or_old_visit_is_not_attributed(phone, shop, listing):
    bare = RequestFactory().post("/")
    assert sharing.attribute_reservation(bare, shop) is None

    tampered = RequestFactory().post("/")
    tampered.COOKIES = {sharing.REF_COOKIE: f"{shop.pk}:kakao:2026-01-01:forged:signature"}
    assert sharing.attribute_reservation(tampered, shop) is None

    response = HttpResponse()
    old_day = timezone.localdate() - timedelta(days=30)
    sharing._write_cookie(response, {shop.pk: ("kakao", old_day)})
    old = RequestFactory().post("/")
    old.COOKIES = {sharing.REF_COOKIE: response.cookies[sharing.REF_COOKIE].value}
    assert sharing.attribute_reservation(old, shop) is None
    assert not ShareStat.objects.filter(reservations__gt=0).exists()


def test_counters_never_hold_an_unknown_channel(shop):
    from shops import services

    services.record_share_visit(shop_id=shop.pk, channel="<b>x</b>", visitor="a1")
    services.record_share_reservation(shop_id=shop.pk, channel="naver")
    services.record_share_reservation(shop_id=shop.pk, channel="naver")
    assert dict(ShareStat.objects.values_list("channel", "visits")) == {"other": 1, "naver": 0}
    assert ShareStat.objects.get(channel="naver").reservations == 2


# --- what the owner sees --------------------------------------------------------------


def test_owner_sees_visits_and_reservations_per_channel(owner_client, phone, shop, listing):
    phone.get(f"/s/{shop.slug}/?ref=kakao")
    sharing.attribute_reservation(_request_with_cookies(phone), shop)
    Client(headers={"User-Agent": PHONE_UA}, REMOTE_ADDR="10.0.0.2").get(
        f"/s/{shop.slug}/?ref=kakao"
    )
    Client(headers={"User-Agent": PHONE_UA}, REMOTE_ADDR="10.0.0.3").get(f"/s/{shop.slug}/?ref=qr")

    response = owner_client.get(f"/owner/s/{shop.slug}/sharing/")
    assert response.status_code == 200
    body = response.content.decode()
    kakao_row = re.search(r'<tr data-channel="kakao">(.*?)</tr>', body).group(1)
    assert re.findall(r"<td>([^<]*)</td>", kakao_row) == ["카카오톡", "2", "1", "50%"]
    qr_row = re.search(r'<tr data-channel="qr">(.*?)</tr>', body).group(1)
    assert re.findall(r"<td>([^<]*)</td>", qr_row) == ["QR 포스터", "1", "0", "0%"]
    assert f"/owner/s/{shop.slug}/poster.pdf" in body
    assert re.search(rf'src="/s/{shop.slug}/og/\d+-[0-9a-f]+\.png"', body)
    console = owner_client.get(f"/owner/s/{shop.slug}/").content.decode()
    assert f"/owner/s/{shop.slug}/sharing/" in console


def test_only_members_see_sharing_and_posters(client, shop, other_shop):
    stranger = factories.make_owner(other_shop, username="stranger")
    for path in (
        f"/owner/s/{shop.slug}/sharing/",
        f"/owner/s/{shop.slug}/poster.png",
        f"/owner/s/{shop.slug}/poster.pdf",
    ):
        anonymous = client.get(path)
        assert anonymous.status_code == 302 and "/owner/login/" in anonymous["Location"]
        other = Client()
        other.force_login(stranger)
        assert other.get(path).status_code == 404


def test_qr_poster_png_is_a5_and_points_to_the_shop_with_ref_qr(owner_client, shop):
    with mock.patch.object(og_image, "qr_image", wraps=og_image.qr_image) as qr:
        response = owner_client.get(f"/owner/s/{shop.slug}/poster.png")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert qr.call_args.args[0] == f"http://testserver/s/{shop.slug}/?ref=qr"
    image = Image.open(io.BytesIO(response.content))
    assert image.size == (og_image.POSTER_WIDTH, og_image.POSTER_HEIGHT)
    assert round(image.info["dpi"][0]) == og_image.POSTER_DPI


def test_qr_poster_pdf(owner_client, shop):
    response = owner_client.get(f"/owner/s/{shop.slug}/poster.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")


def test_after_the_days_windows_the_preview_says_tomorrow(client, shop, listing, clock):
    counter = factories.shop_counter(shop)
    factories.make_window(counter, "11:00", "13:00")
    factories.make_window(counter, "17:00", "20:00")
    clock.set("20:30")
    tags, _ = scrape(client, f"/s/{shop.slug}/")
    assert tags.meta["og:description"].endswith("내일 픽업 가능 11:00–13:00, 17:00–20:00")
    from shops.services import set_weekly_hours

    open_day = [["09:00", "21:00"]]
    closed_saturday = {d: open_day for d in ("mon", "tue", "wed", "thu", "fri", "sun")}
    set_weekly_hours(shop=shop, weekly={**closed_saturday, "sat": []})
    cache.clear()
    tags, _ = scrape(client, f"/s/{shop.slug}/")
    assert tags.meta["og:description"].endswith("11월 22일(일) 픽업 가능 11:00–13:00, 17:00–20:00")
