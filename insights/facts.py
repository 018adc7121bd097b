"""Reading one shop's day from the committed facts: Reservation rows, the StockEvent log and
the share counters (``shops.ShareStat``). Nothing here writes; ``insights.services`` stores
what this computes, and the selectors use it for the day that is not over yet.

A day is an Asia/Seoul calendar day. Each fact counts on the day it happened (see
``insights.models.DailyStat``). Only counts leave this module: phone numbers, names and the
keyed customer hashes are never read.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.utils import timezone

from insights.models import DailyListingStat, DailyStat
from livestock.models import Listing, StockEvent
from pickup.models import PickupPoint, Reservation
from shops.models import ShareChannel, ShareStat

Status = Reservation.Status
Reason = StockEvent.Reason
CHANNELS: tuple[str, ...] = tuple(ShareChannel.values)
# Stock changes that put new goods on the shelf (returns from cancellations do not count).
ARRIVALS = (Reason.ARRIVAL, Reason.RESTOCK)


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The aware start of ``day`` and of the next day, in the project's time zone."""
    zone = timezone.get_default_timezone()
    start = timezone.make_aware(datetime.combine(day, time.min), zone)
    end = timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min), zone)
    return start, end


def stock_log_kept_since(today: date | None = None) -> date:
    """The first day whose stock events are surely all still in the log (they are pruned
    after LIVESTOCK_EVENTS_RETENTION_DAYS)."""
    today = today or timezone.localdate()
    return today - timedelta(days=settings.LIVESTOCK_EVENTS_RETENTION_DAYS - 1)


@dataclass
class _ListingDay:
    reservations: int = 0
    units_reserved: int = 0
    units_picked_up: int = 0
    revenue_won: int = 0
    units_arrived: int = 0
    units_counter_sold: int = 0
    on_sale_at: datetime | None = None
    sold_out_at: datetime | None = None


@dataclass
class DayFacts:
    stat: DailyStat
    listings: list[DailyListingStat] = field(default_factory=list)
    # False when the day's stock events may already be pruned: the stock figures of the
    # listing rows are then not recomputed (a rebuild keeps the stored ones).
    stock_complete: bool = True


def sell_out_run(events: list[dict]) -> tuple[datetime | None, datetime | None]:
    """From one listing's events of a day, in version order: when it went on sale from zero
    (an arrival or restock), and when it first reached zero after that."""
    on_sale = None
    for event in events:
        before = event["available_after"] - event["delta"]
        if on_sale is None:
            if event["reason"] in ARRIVALS and before == 0 and event["available_after"] > 0:
                on_sale = event["created_at"]
        elif event["available_after"] == 0:
            return on_sale, event["created_at"]
    return on_sale, None


def compute_day(shop_id: int, day: date, *, today: date | None = None) -> DayFacts:
    """Every figure of ``shop_id`` on ``day``, as unsaved rows."""
    start, end = day_bounds(day)
    zone = timezone.get_default_timezone()
    stat = DailyStat(shop_id=shop_id, day=day, computed_at=timezone.now())
    per_listing: dict[int, _ListingDay] = defaultdict(_ListingDay)
    per_point: dict[int, dict[str, int]] = defaultdict(
        lambda: {"reservations": 0, "units": 0, "picked_up": 0}
    )
    hours = [0] * 24

    made = Reservation.objects.filter(
        shop_id=shop_id, created_at__gte=start, created_at__lt=end
    ).values_list("listing_id", "pickup_point_id", "units", "returning_customer", "created_at")
    for listing_id, point_id, units, returning, created_at in made:
        stat.reservations += 1
        stat.returning_reservations += int(returning)
        stat.units_reserved += units
        hours[created_at.astimezone(zone).hour] += 1
        row = per_listing[listing_id]
        row.reservations += 1
        row.units_reserved += units
        per_point[point_id]["reservations"] += 1
        per_point[point_id]["units"] += units

    closed = Reservation.objects.filter(
        shop_id=shop_id, ended_at__gte=start, ended_at__lt=end
    ).values_list("status", "cancelled_by", "units", "total_price", "listing_id", "pickup_point_id")
    for status, cancelled_by, units, total_price, listing_id, point_id in closed:
        if status == Status.PICKED_UP:
            stat.picked_up += 1
            stat.units_picked_up += units
            stat.revenue_won += total_price
            per_listing[listing_id].units_picked_up += units
            per_listing[listing_id].revenue_won += total_price
            per_point[point_id]["picked_up"] += 1
        elif status == Status.NO_SHOW:
            stat.no_shows += 1
        elif status == Status.CANCELLED:
            stat.cancelled += 1
            if cancelled_by == Reservation.CancelledBy.SHOP:
                stat.cancelled_by_shop += 1
            else:
                stat.cancelled_by_customer += 1
    stat.hours = hours

    visits = dict.fromkeys(CHANNELS, 0)
    reserved = dict.fromkeys(CHANNELS, 0)
    for channel, n_visits, n_reservations in ShareStat.objects.filter(
        shop_id=shop_id, day=day
    ).values_list("channel", "visits", "reservations"):
        visits[channel] = visits.get(channel, 0) + n_visits
        reserved[channel] = reserved.get(channel, 0) + n_reservations
    stat.visits_by_channel = visits
    stat.reservations_by_channel = reserved
    stat.visits = sum(visits.values())

    stock_complete = day >= stock_log_kept_since(today)
    events: dict[int, list[dict]] = defaultdict(list)
    for event in (
        StockEvent.objects.filter(shop_id=shop_id, created_at__gte=start, created_at__lt=end)
        .order_by("version")
        .values("listing_id", "delta", "available_after", "reason", "created_at")
    ):
        events[event["listing_id"]].append(event)
    for listing_id, listing_events in events.items():
        row = per_listing[listing_id]
        for event in listing_events:
            if event["reason"] in ARRIVALS and event["delta"] > 0:
                row.units_arrived += event["delta"]
            elif event["reason"] == Reason.COUNTER_SALE and event["delta"] < 0:
                row.units_counter_sold += -event["delta"]
        row.on_sale_at, row.sold_out_at = sell_out_run(listing_events)

    names = {
        pk: (name, unit)
        for pk, name, unit in Listing.objects.filter(pk__in=per_listing).values_list(
            "pk", "name", "unit"
        )
    }
    point_names = dict(
        PickupPoint.objects.filter(pk__in=per_point).values_list("pk", "place__name")
    )
    stat.pickup_points = [
        {"id": pk, "name": point_names.get(pk, ""), **counts}
        for pk, counts in sorted(per_point.items())
    ]
    listings = []
    for listing_id, row in sorted(per_listing.items()):
        name, unit = names.get(listing_id, ("", ""))
        seconds = None
        if row.on_sale_at is not None and row.sold_out_at is not None:
            seconds = int((row.sold_out_at - row.on_sale_at).total_seconds())
        listings.append(
            DailyListingStat(
                shop_id=shop_id,
                day=day,
                listing_id=listing_id,
                name=name,
                unit=unit,
                reservations=row.reservations,
                units_reserved=row.units_reserved,
                units_picked_up=row.units_picked_up,
                revenue_won=row.revenue_won,
                units_arrived=row.units_arrived,
                units_counter_sold=row.units_counter_sold,
                on_sale_at=row.on_sale_at,
                sold_out_at=row.sold_out_at,
                sold_out_seconds=seconds,
            )
        )
    return DayFacts(stat=stat, listings=listings, stock_complete=stock_complete)
