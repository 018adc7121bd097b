"""The owner console's "숫자" page: readable without JavaScript, every chart with its table."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from insights import services
from tests import factories

pytestmark = pytest.mark.django_db


def test_the_console_links_to_the_numbers_page(shop, owner_client):
    page = owner_client.get(f"/owner/s/{shop.slug}/").content.decode()
    assert f'href="/owner/s/{shop.slug}/stats/"' in page


def test_numbers_page_shows_charts_tables_comparison_and_the_forecast(history, owner):
    services.roll_up_pending(today=history.today)
    client = Client()
    client.force_login(owner)
    response = client.get(f"/owner/s/{history.shop.slug}/stats/?days=30")
    assert response.status_code == 200
    page = response.content.decode()
    svgs = re.findall(r"<svg [^>]*>", page)
    assert len(svgs) == 6
    assert all('role="img"' in svg and "aria-labelledby" in svg for svg in svgs)
    assert page.count("<table") >= 6  # every chart has its numbers as a table
    assert "<script" not in page.split("<article", 1)[1].split("</article>")[0]
    assert 'aria-current="page"' in page and "최근 30일" in page
    # Money in 만 원, sell-out times in hours and minutes.
    total = sum(history.expected[d].revenue_won for d in history.days)
    man, won = divmod(total, 10_000)
    assert f"{man:,}만" in page
    assert "3시간 12분" in page
    # The forecast for tomorrow (a Saturday): 단감 from the last four Saturdays, labelled 추정.
    assert "추정" in page
    forecast = page.split('id="forecast-title"', 1)[1].split("</section>", 1)[0]
    saturdays = [d for d in history.days if d.weekday() == 5]
    sold = [
        history.expected[d].items["단감"]["units_reserved"]
        + history.expected[d].items["단감"]["units_counter_sold"]
        for d in saturdays
    ]
    average = round(sum(sold) / len(sold), 1)
    assert "단감" in forecast and f"평균 {average:g}팩" in forecast


def test_an_empty_shop_page_renders_with_zero_rows(shop, owner_client, clock):
    for days in ("7", "90", "nonsense", "-1"):
        response = owner_client.get(f"/owner/s/{shop.slug}/stats/?days={days}")
        assert response.status_code == 200
        assert "이 기간에 판매 기록이 없습니다." in response.content.decode()


def test_a_listing_name_is_escaped_in_the_charts(shop, owner_client, clock):
    point = factories.make_cafe(shop, "골목 카페")
    listing = factories.make_listing(shop, "<script>alert(1)</script>")
    factories.make_reservation(shop, listing, point)
    page = owner_client.get(f"/owner/s/{shop.slug}/stats/").content.decode()
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;" in page


def test_staff_and_strangers_do_not_see_the_numbers(shop, other_shop, clock):
    staff = Client()
    staff.force_login(factories.make_owner(shop, "staff", role="staff"))
    assert staff.get(f"/owner/s/{shop.slug}/stats/").status_code == 404
    stranger = Client()
    stranger.force_login(factories.make_owner(other_shop, "other"))
    assert stranger.get(f"/owner/s/{shop.slug}/stats/").status_code == 404


def test_numbers_page_in_english(shop, owner, clock):
    client = Client(headers={"Accept-Language": "en"})
    client.force_login(owner)
    page = client.get(f"/owner/s/{shop.slug}/stats/").content.decode()
    assert "Reservations and pickups by day" in page
    assert "How much to prepare tomorrow" in page
    assert "₩0" in page
