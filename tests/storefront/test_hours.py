"""Where customers see the hours: the shop page line and its JSON-LD, the API's open_now and
next_open, the near-me list. The clock is Friday 2026-11-20 in Seoul."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest
from django.test import Client

from shops.services import set_weekly_hours

pytestmark = pytest.mark.django_db

WEEKLY = {
    "mon": [],
    "tue": [["09:00", "19:00"]],
    "wed": [["09:00", "19:00"]],
    "thu": [["09:00", "19:00"]],
    "fri": [["09:00", "12:00"], ["13:00", "19:00"]],
    "sat": [["09:00", "18:00"]],
    "sun": [],
}


@pytest.fixture
def hours(shop, clock):
    set_weekly_hours(shop=shop, weekly=WEEKLY)
    return shop


def page(shop) -> str:
    return Client().get(f"/s/{shop.slug}/").content.decode()


def detail(shop) -> dict:
    return Client().get(f"/api/shops/{shop.slug}").json()


def test_open_shop_says_until_when(hours, clock):
    clock.set("10:00")
    assert "영업 중 · 12:00까지" in page(hours)
    data = detail(hours)
    assert data["open_now"] is True
    assert data["next_open"] == "2026-11-20T13:00:00+09:00"
    assert data["open_label"] == "영업 중 · 12:00까지"


def test_lunch_break_and_after_closing(hours, clock):
    clock.set("12:30")
    data = detail(hours)
    assert (data["open_now"], data["open_label"]) == (False, "영업 준비 중 · 오늘 13:00 오픈")
    clock.set("23:59")
    data = detail(hours)
    assert data["open_label"] == "영업 종료 · 내일 09:00 오픈"
    assert data["next_open"] == "2026-11-21T09:00:00+09:00"


def test_closed_day_names_the_next_opening(hours, clock):
    clock.now = clock.now.replace(day=22)  # Sunday; Monday closed too
    clock.set("10:00")
    data = detail(hours)
    assert data["open_now"] is False
    assert data["open_label"] == "오늘 휴무 · 11월 24일(화) 09:00 오픈"
    clock.now = clock.now.replace(day=23)  # Monday
    assert "오늘 휴무 · 내일 09:00 오픈" in page(hours)


def test_unset_hours_say_nothing(shop, clock):
    data = detail(shop)
    assert data["open_now"] is None and data["next_open"] is None and data["open_label"] == ""
    assert "data-open-status" not in page(shop)


def test_local_business_json_ld_carries_the_hours(hours, clock, api):
    api.post(
        f"/api/shops/{hours.slug}/closures",
        json.dumps({"date": "2026-11-25", "reason": "<b>명절</b>"}),
        content_type="application/json",
    )
    html = page(hours)
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    data = json.loads(block.group(1))
    assert data["@type"] == "LocalBusiness" and data["name"] == hours.name
    specs = data["openingHoursSpecification"]
    fridays = [s for s in specs if s.get("dayOfWeek") == "https://schema.org/Friday"]
    assert [(s["opens"], s["closes"]) for s in fridays] == [("09:00", "12:00"), ("13:00", "19:00")]
    assert not [s for s in specs if s.get("dayOfWeek") == "https://schema.org/Monday"]
    assert {"validFrom": "2026-11-25", "validThrough": "2026-11-25"}.items() <= specs[-1].items()
    assert "<b>" not in block.group(1)


def test_near_me_lists_the_open_state(hours, clock):
    clock.set("10:00")
    results = Client().get(f"/api/shops/nearby?lat={hours.lat}&lng={hours.lng}").json()
    assert results[0]["open_now"] is True and results[0]["open_label"] == "영업 중 · 12:00까지"
    html = Client().get(f"/?lat={hours.lat}&lng={hours.lng}").content.decode()
    assert "영업 중 · 12:00까지" in html


def test_a_closure_today_closes_the_shop_mid_day(hours, clock):
    clock.set("10:00")
    from pickup.services.calendar import close_day

    close_day(shop=hours, day=date(2026, 11, 20), reason="")
    data = detail(hours)
    assert data["open_now"] is False
    assert data["open_label"] == "오늘 휴무 · 내일 09:00 오픈"
