"""Writing the daily rollups (run by the worker, insights/tasks.py).

* :func:`roll_up_day` computes one shop's past day from the committed facts and replaces its
  rows: running it again for the same day gives the same rows (a rebuild).
* :func:`roll_up_pending` rolls up, for every shop, each finished day not yet rolled up, up
  to the stock log's retention back, so a worker that was down catches up before the nightly
  prune (04:17) deletes the raw stock events of those days.
* :func:`prune_rollups` drops rollups older than INSIGHTS_RETENTION_DAYS (two years).

Locks: a rollup locks only its own ``DailyStat`` row (``of=("self",)``), never a domain row,
so it takes no part in the project's lock order (pickup/services/__init__.py) and two
workers rolling up the same day queue instead of writing it twice.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from insights.facts import compute_day, stock_log_kept_since
from insights.models import DailyListingStat, DailyStat
from shops.errors import InvalidInput
from shops.models import Shop

STAT_FIELDS = (
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
    "pickup_points",
    "computed_at",
)
STOCK_FIELDS = ("units_arrived", "units_counter_sold", "on_sale_at", "sold_out_at")


def _keep_stock_figures(rows: list[DailyListingStat], stored: list[DailyListingStat]) -> None:
    """The day's stock log may be pruned: keep what was computed while it was complete."""
    by_listing = {row.listing_id: row for row in rows}
    for old in stored:
        row = by_listing.get(old.listing_id)
        if row is None:
            old.pk = None
            for name in ("reservations", "units_reserved", "units_picked_up", "revenue_won"):
                setattr(old, name, 0)
            rows.append(old)
            continue
        for name in (*STOCK_FIELDS, "sold_out_seconds"):
            setattr(row, name, getattr(old, name))


def roll_up_day(*, shop: Shop, day: date, today: date | None = None) -> DailyStat:
    """Compute and store ``shop``'s figures for ``day`` (a finished Asia/Seoul day)."""
    today = today or timezone.localdate()
    if day >= today:
        raise InvalidInput(_("끝난 날만 집계할 수 있습니다."), code="day_not_over")
    facts = compute_day(shop.pk, day, today=today)
    with transaction.atomic():
        DailyStat.objects.get_or_create(
            shop=shop, day=day, defaults={"computed_at": facts.stat.computed_at}
        )
        stat = DailyStat.objects.select_for_update(of=("self",)).get(shop=shop, day=day)
        for name in STAT_FIELDS:
            setattr(stat, name, getattr(facts.stat, name))
        stat.save()
        stored = DailyListingStat.objects.filter(shop=shop, day=day)
        if not facts.stock_complete:
            _keep_stock_figures(facts.listings, list(stored))
        stored.delete()
        DailyListingStat.objects.bulk_create(facts.listings)
    return stat


def roll_up_pending(*, today: date | None = None) -> int:
    """Roll up every finished day each shop still lacks (back to the stock log's retention);
    returns how many shop-days were written."""
    today = today or timezone.localdate()
    earliest = stock_log_kept_since(today)
    last_days = dict(
        DailyStat.objects.values("shop_id").annotate(last=Max("day")).values_list("shop_id", "last")
    )
    written = 0
    for shop in Shop.objects.order_by("pk"):
        last = last_days.get(shop.pk)
        first = last + timedelta(days=1) if last else timezone.localtime(shop.created_at).date()
        day = max(first, earliest)
        while day < today:
            roll_up_day(shop=shop, day=day, today=today)
            written += 1
            day += timedelta(days=1)
    return written


def rebuild_days(*, shop: Shop, first: date, last: date, today: date | None = None) -> int:
    """Roll up again every finished day from ``first`` to ``last`` (the admin command)."""
    today = today or timezone.localdate()
    day, written = first, 0
    while day <= last and day < today:
        roll_up_day(shop=shop, day=day, today=today)
        written += 1
        day += timedelta(days=1)
    return written


def prune_rollups(*, today: date | None = None) -> int:
    """Drop rollups older than INSIGHTS_RETENTION_DAYS; returns how many day rows went."""
    today = today or timezone.localdate()
    cutoff = today - timedelta(days=settings.INSIGHTS_RETENTION_DAYS)
    DailyListingStat.objects.filter(day__lt=cutoff).delete()
    return DailyStat.objects.filter(day__lt=cutoff).delete()[0]
