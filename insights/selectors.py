"""Reading the owner's numbers: the stored rollups, plus the days the worker has not rolled
up yet (today, and at most ``LIVE_DAYS`` recent days if it was down), computed from that
day's committed rows with the same code the worker uses. Older days without a row are rows
of zeros. No history is ever recomputed from raw logs on a page load.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from insights import forecast as forecasting
from insights.facts import CHANNELS, compute_day
from insights.models import DailyListingStat, DailyStat
from shops.errors import InvalidInput

# Days before today computed live when the worker has not rolled them up yet.
LIVE_DAYS = 7
DEFAULT_RANGE_DAYS = 30
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$", re.ASCII)
# Dates outside these bounds are typing mistakes, not ranges anyone keeps numbers for.
EARLIEST_DATE = date(2000, 1, 1)
LATEST_AHEAD_DAYS = 366


def max_range_days() -> int:
    return settings.INSIGHTS_RETENTION_DAYS


def _parse_date(raw: object, name: str, today: date) -> date | None:
    if raw is None or raw == "":
        return None
    text = str(raw).strip()
    if len(text) <= 10 and _ISO_DATE.match(text):
        try:
            value = date.fromisoformat(text)
        except ValueError:
            value = None
        if value is not None and EARLIEST_DATE <= value <= today + timedelta(LATEST_AHEAD_DAYS):
            return value
    raise InvalidInput(
        _(
            "%(name)s 날짜는 YYYY-MM-DD 형식의 있는 날짜로, 2000-01-01부터 1년 뒤까지여야 "
            "합니다 (예: 2026-11-20)."
        )
        % {"name": name},
        code="invalid_date",
        field=name,
    )


def parse_range(
    raw_from: object, raw_to: object, *, today: date | None = None
) -> tuple[date, date]:
    """``from``/``to`` (YYYY-MM-DD, both days included) → dates, or a 422.

    Missing ``to`` is today; missing ``from`` is 30 days before ``to``. A range that runs
    backwards or spans more than the two years the rollups are kept is refused."""
    today = today or timezone.localdate()
    first = _parse_date(raw_from, "from", today)
    last = _parse_date(raw_to, "to", today)
    if last is None:
        last = max(today, first) if first is not None else today
    if first is None:
        first = last - timedelta(days=DEFAULT_RANGE_DAYS - 1)
    if first > last:
        raise InvalidInput(
            _("시작일(from)이 종료일(to)보다 늦습니다."), code="invalid_range", field="from"
        )
    span = (last - first).days + 1
    if span > max_range_days():
        raise InvalidInput(
            _("기간은 최대 %(days)d일(2년)까지 볼 수 있습니다. 지금은 %(span)d일입니다.")
            % {"days": max_range_days(), "span": span},
            code="range_too_long",
            max_days=max_range_days(),
        )
    return first, last


def _days(first: date, last: date):
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


LISTING_COLUMNS = (
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


@dataclass(frozen=True, slots=True)
class ListingDay:
    """A ``DailyListingStat`` as read (a year of a busy shop is thousands of these: plain
    tuples from the database cost a fraction of model instances)."""

    day: date
    listing_id: int | None
    name: str
    unit: str
    reservations: int
    units_reserved: int
    units_picked_up: int
    revenue_won: int
    units_arrived: int
    units_counter_sold: int
    on_sale_at: datetime | None
    sold_out_at: datetime | None
    sold_out_seconds: int | None

    @property
    def units_sold(self) -> int:
        return self.units_reserved + self.units_counter_sold

    @classmethod
    def of(cls, row: DailyListingStat) -> ListingDay:
        return cls(*(getattr(row, name) for name in LISTING_COLUMNS))


def _zero_day(shop_id: int, day: date) -> DailyStat:
    return DailyStat(
        shop_id=shop_id,
        day=day,
        visits_by_channel=dict.fromkeys(CHANNELS, 0),
        reservations_by_channel=dict.fromkeys(CHANNELS, 0),
        computed_at=None,
    )


@dataclass
class Period:
    """One shop's days from ``first`` to ``last``: a row for every day, and the listing rows."""

    first: date
    last: date
    days: list[DailyStat]
    listings: list[ListingDay]


def period(shop_id: int, first: date, last: date, *, today: date | None = None) -> Period:
    today = today or timezone.localdate()
    stored = {
        stat.day: stat
        for stat in DailyStat.objects.filter(shop_id=shop_id, day__range=(first, last))
    }
    stored_listings = [
        ListingDay(*row)
        for row in DailyListingStat.objects.filter(
            shop_id=shop_id, day__range=(first, last)
        ).values_list(*LISTING_COLUMNS)
    ]
    days: list[DailyStat] = []
    live_listings: list[ListingDay] = []
    live_from = today - timedelta(days=LIVE_DAYS)
    for day in _days(first, last):
        stat = stored.get(day)
        if stat is None and live_from <= day <= today:
            facts = compute_day(shop_id, day, today=today)
            stat = facts.stat
            live_listings.extend(ListingDay.of(row) for row in facts.listings)
        days.append(stat if stat is not None else _zero_day(shop_id, day))
    listings = sorted(
        [*stored_listings, *live_listings], key=lambda r: (r.day, r.name, r.listing_id or 0)
    )
    return Period(first=first, last=last, days=days, listings=listings)


def day_row(shop_id: int, day: date, *, today: date | None = None) -> DailyStat:
    return period(shop_id, day, day, today=today).days[0]


# --- the forecast ----------------------------------------------------------------------


def forecast_for(
    shop_id: int, target: date, *, today: date | None = None
) -> list[forecasting.ItemForecast]:
    """Regular items on ``target``'s weekday over the last four weeks (an estimate)."""
    today = today or timezone.localdate()
    wanted = [day for day in forecasting.same_weekdays(target) if day <= today]
    if not wanted:
        return []
    rows = [
        row
        for row in period(shop_id, min(wanted), max(wanted), today=today).listings
        if row.day in wanted
    ]
    zone = timezone.get_default_timezone()
    items = []
    for row in rows:
        minute = None
        if row.sold_out_at is not None:
            local = row.sold_out_at.astimezone(zone)
            minute = local.hour * 60 + local.minute
        items.append(
            forecasting.ItemDay(
                day=row.day,
                name=row.name,
                unit=row.unit,
                units_sold=row.units_sold,
                sold_out_minute=minute,
                sold_out_seconds=row.sold_out_seconds,
            )
        )
    return forecasting.forecast(items)
