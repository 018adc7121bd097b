"""The daily rollups against a month of history built through the services, every figure
checked against the count made by hand while the history was built (tests/insights/conftest.py).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from insights import selectors, services, tasks
from insights.models import DailyListingStat, DailyStat
from livestock.models import StockEvent
from pickup.models import Reservation
from pickup.services import reservations
from shops.models import Shop
from tests import factories
from tests.insights.conftest import QUIET_WEEKDAY, at

pytestmark = pytest.mark.django_db

DAY_FIELDS = (
    "reservations",
    "returning_reservations",
    "picked_up",
    "no_shows",
    "cancelled",
    "cancelled_by_customer",
    "cancelled_by_shop",
    "units_reserved",
    "units_picked_up",
    "revenue_won",
    "visits",
    "visits_by_channel",
    "reservations_by_channel",
    "hours",
)


def snapshot(shop) -> list[tuple]:
    days = [
        tuple(getattr(stat, name) for name in ("day", *DAY_FIELDS, "pickup_points"))
        for stat in DailyStat.objects.filter(shop=shop).order_by("day")
    ]
    listings = list(
        DailyListingStat.objects.filter(shop=shop)
        .order_by("day", "listing_id")
        .values_list(
            "day",
            "listing_id",
            "name",
            "unit",
            "reservations",
            "units_reserved",
            "units_picked_up",
            "revenue_won",
            "units_arrived",
            "units_counter_sold",
            "on_sale_at",
            "sold_out_at",
            "sold_out_seconds",
        )
    )
    return [*days, *listings]


def test_every_figure_of_a_month_matches_the_count_made_by_hand(history):
    written = services.roll_up_pending(today=history.today)
    # Every finished day from the shop's first (an empty one) to yesterday.
    opened = history.days[0] - timedelta(days=1)
    assert written == len(history.days) + 1
    stats = {s.day: s for s in DailyStat.objects.filter(shop=history.shop)}
    assert sorted(stats) == [opened, *history.days]
    assert stats[opened].reservations == 0
    busy = 0
    for day in history.days:
        expected, stat = history.expected[day], stats[day]
        for name in DAY_FIELDS:
            assert getattr(stat, name) == getattr(expected, name), (day, name)
        items = {
            row.name: row for row in DailyListingStat.objects.filter(shop=history.shop, day=day)
        }
        assert set(items) == set(expected.items), day
        for name, figures in expected.items.items():
            row = items[name]
            assert row.units_reserved == figures["units_reserved"], (day, name)
            assert row.units_counter_sold == figures["units_counter_sold"], (day, name)
            assert row.sold_out_seconds == figures["sold_out_seconds"], (day, name)
        assert sum(p["reservations"] for p in stat.pickup_points) == expected.reservations
        busy += expected.reservations > 0
    assert busy >= 20
    # The history has every kind of fact in it, so no figure passed by being always zero.
    totals = {
        name: sum(getattr(history.expected[d], name) for d in history.days)
        for name in DAY_FIELDS
        if name not in ("visits_by_channel", "reservations_by_channel", "hours")
    }
    assert all(totals.values()), totals


def test_a_day_without_activity_is_a_row_of_zeros(history):
    services.roll_up_pending(today=history.today)
    quiet = next(d for d in history.days if d.weekday() == QUIET_WEEKDAY)
    stat = DailyStat.objects.get(shop=history.shop, day=quiet)
    assert all(getattr(stat, name) == 0 for name in DAY_FIELDS[:11])
    assert stat.hours == [0] * 24
    assert set(stat.visits_by_channel.values()) == {0}
    assert not DailyListingStat.objects.filter(shop=history.shop, day=quiet).exists()


def test_rebuilding_past_days_gives_the_same_rows(history):
    services.roll_up_pending(today=history.today)
    before = snapshot(history.shop)
    written = services.rebuild_days(
        shop=history.shop, first=history.days[0], last=history.days[-1], today=history.today
    )
    assert written == len(history.days)
    assert snapshot(history.shop) == before
    # Running the nightly task again writes nothing new: every day is there.
    assert services.roll_up_pending(today=history.today) == 0


def test_erasing_phones_keeps_the_rollups_and_a_rebuild_still_matches(history):
    services.roll_up_pending(today=history.today)
    before = snapshot(history.shop)
    later = timezone.now() + timedelta(days=400)
    erased = reservations.purge_expired_phones(now=later)
    assert erased == Reservation.objects.filter(shop=history.shop).count()
    assert not Reservation.objects.exclude(phone="").exists()
    assert not Reservation.objects.exclude(customer_key="").exists()
    assert snapshot(history.shop) == before
    services.rebuild_days(
        shop=history.shop, first=history.days[0], last=history.days[-1], today=history.today
    )
    assert snapshot(history.shop) == before


def test_rebuilding_a_day_whose_stock_log_was_pruned_keeps_its_sell_out_figures(history):
    services.roll_up_pending(today=history.today)
    before = snapshot(history.shop)
    # A month later the stock log of those days is gone (the nightly prune).
    StockEvent.objects.filter(shop=history.shop).delete()
    much_later = history.today + timedelta(days=60)
    services.rebuild_days(
        shop=history.shop, first=history.days[0], last=history.days[-1], today=much_later
    )
    assert snapshot(history.shop) == before


def test_rollups_hold_no_phone_name_or_customer_key(history):
    services.roll_up_pending(today=history.today)
    secrets = set()
    for name, phone, key in Reservation.objects.values_list("name", "phone", "customer_key"):
        secrets |= {name, phone, key, phone.replace("-", "")}
    dumped = repr(snapshot(history.shop))
    assert not [s for s in secrets if s and s in dumped]


def test_a_fact_counts_on_the_day_it_happened(shop, clock):
    Shop.objects.filter(pk=shop.pk).update(created_at=clock.now - timedelta(days=1))
    point = factories.make_cafe(shop, "골목 카페")
    listing = factories.make_listing(shop)
    day = timezone.localdate()
    clock.set("21:30")
    late = factories.make_reservation(shop, listing, point, quantity=2, consent=True)
    clock.now = at(day + timedelta(days=1), "00:10")  # the no-show is marked after midnight
    reservations.mark_no_show(reservation_id=late.pk)
    services.roll_up_pending(today=day + timedelta(days=2))
    made = DailyStat.objects.get(shop=shop, day=day)
    closed = DailyStat.objects.get(shop=shop, day=day + timedelta(days=1))
    assert (made.reservations, made.units_reserved, made.no_shows) == (1, 2, 0)
    assert made.hours[21] == 1
    assert (closed.reservations, closed.no_shows) == (0, 1)


def test_today_is_never_stored_and_reads_live(shop, clock):
    point = factories.make_cafe(shop, "골목 카페")
    listing = factories.make_listing(shop)
    factories.make_reservation(shop, listing, point, quantity=3)
    today = timezone.localdate()
    with pytest.raises(Exception) as refused:
        services.roll_up_day(shop=shop, day=today)
    assert refused.value.code == "day_not_over"
    row = selectors.day_row(shop.pk, today)
    assert (row.reservations, row.units_reserved) == (1, 3)
    assert not DailyStat.objects.exists()


def test_days_the_worker_missed_are_caught_up_and_old_rollups_pruned(shop, clock):
    today = timezone.localdate()
    Shop.objects.filter(pk=shop.pk).update(created_at=clock.now - timedelta(days=800))
    shop.refresh_from_db()
    old = today - timedelta(days=740)
    DailyStat.objects.create(shop=shop, day=old, computed_at=clock.now)
    # The worker was down: the catch-up starts where the stock log still holds every event.
    written = tasks.roll_up_days.call_local()
    assert written == 29  # LIVESTOCK_EVENTS_RETENTION_DAYS (30) back, today excluded
    days = list(DailyStat.objects.filter(shop=shop).values_list("day", flat=True))
    assert old not in days
    assert max(days) == today - timedelta(days=1)
    assert min(days) == today - timedelta(days=29)


@override_settings(LIVESTOCK_EVENTS_RETENTION_DAYS=1)
def test_a_stock_log_shorter_than_the_rollup_needs_fails_the_system_check():
    from insights.checks import stock_log_outlives_rollup

    assert [e.id for e in stock_log_outlives_rollup(None)] == ["insights.E001"]


def test_the_rebuild_command_rolls_up_past_days_and_refuses_bad_input(history):
    from io import StringIO

    from django.core.management import CommandError, call_command

    out = StringIO()
    call_command(
        "rebuild_rollups",
        history.shop.slug,
        history.days[0].isoformat(),
        history.days[2].isoformat(),
        stdout=out,
    )
    assert out.getvalue().strip() == "3 days rolled up"
    assert DailyStat.objects.filter(shop=history.shop).count() == 3
    with pytest.raises(CommandError):
        call_command("rebuild_rollups", history.shop.slug, "2026-11-10", "2026-11-01")
    with pytest.raises(CommandError):
        call_command("rebuild_rollups", "no-such-shop", "2026-11-01", "2026-11-02")
