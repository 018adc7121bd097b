"""The advertising rule (정보통신망법 §50): the pure rule itself, and the night hold end to end
with a frozen clock — held until 08:00 Seoul, newest only, unless the follower agreed to
night messages."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone

from notify import advertising
from notify.models import Consent, Delivery
from tests import factories
from tests.notify.test_delivery import follow, run_worker

SEOUL = ZoneInfo("Asia/Seoul")


def seoul(hh: int, mm: int = 0, day: int = 20) -> datetime:
    return datetime(2026, 11, day, hh, mm, tzinfo=SEOUL)


@pytest.mark.parametrize(
    ("moment", "quiet"),
    [
        (seoul(20, 59), False),
        (seoul(21, 0), True),
        (seoul(23, 30), True),
        (seoul(0, 0), True),
        (seoul(7, 59), True),
        (seoul(8, 0), False),
        (seoul(12, 0), False),
        # 12:30 UTC is 21:30 in Seoul: the rule reads the Seoul clock whatever the zone given.
        (datetime(2026, 11, 20, 12, 30, tzinfo=ZoneInfo("UTC")), True),
    ],
)
def test_quiet_hours_are_21_to_08_seoul(moment, quiet):
    assert advertising.is_quiet(moment) is quiet


def test_a_held_push_leaves_at_the_next_0800():
    assert advertising.send_at(seoul(22, 15), night=False) == seoul(8, 0, day=21)
    assert advertising.send_at(seoul(3, 0), night=False) == seoul(8, 0)
    assert advertising.send_at(seoul(22, 15), night=True) == seoul(22, 15)
    assert advertising.send_at(seoul(10, 0), night=False) == seoul(10, 0)


def test_title_and_body_say_advertising_and_how_to_stop():
    assert advertising.title("망원 과일가게 오늘 입고") == "(광고) 망원 과일가게 오늘 입고"
    assert advertising.title("(광고) x") == "(광고) x"
    assert advertising.body("단감 200팩").startswith("단감 200팩\n")
    assert "수신거부" in advertising.body("단감") and "알림 끄기" in advertising.body("단감")


@pytest.fixture
def client():
    return Client(enforce_csrf_checks=True)


def test_night_arrivals_wait_until_0800_newest_only_unless_night_was_agreed(
    client, push_service, shop, clock
):
    sleeper, owl = push_service.browser(), push_service.browser()
    follow(client, shop, sleeper)
    follow(client, shop, owl, night=True)
    clock.set("22:10")
    factories.make_listing(shop, "단감", available=200)
    run_worker(clock, 60)
    assert len(owl.messages) == 1 and sleeper.messages == []
    held = Delivery.objects.get(subscription__endpoint=sleeper.endpoint)
    assert timezone.localtime(held.not_before) == seoul(8, 0, day=21)

    clock.now += timedelta(hours=2)  # 00:11: another arrival replaces the held one
    factories.make_listing(shop, "사과", available=30, unit="봉")
    run_worker(clock, 60)
    assert len(owl.messages) == 2 and sleeper.messages == []

    clock.now = seoul(7, 59, day=21)
    run_worker(clock)
    assert sleeper.messages == []
    clock.now = seoul(8, 0, day=21)
    run_worker(clock)
    [morning] = sleeper.messages
    assert "사과 30봉" in morning["body"] and "단감" not in morning["body"]
    assert morning["title"].startswith("(광고)")
    assert set(Delivery.objects.values_list("status", flat=True)) == {"sent", "superseded"}


def test_each_consent_and_its_withdrawal_is_recorded(client, push_service, shop, clock):
    browser = push_service.browser()
    token = follow(client, shop, browser, topics=["arrivals"])
    follow(client, shop, browser, topics=["arrivals", "restock"], night=True)
    client.delete(f"/api/follows/{token}")
    rows = list(Consent.objects.order_by("pk").values_list("action", "topics", "night"))
    assert rows == [
        ("granted", ["arrivals"], False),
        ("changed", ["arrivals", "restock"], True),
        ("withdrawn", [], False),
    ]
    assert all(c.at == clock.now for c in Consent.objects.all())
    assert browser.endpoint not in str(list(Consent.objects.values()))
