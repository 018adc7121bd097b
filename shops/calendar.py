"""A shop's (or a café's) calendar as plain data: weekly opening ranges and one-off closed
dates. No Django here: numbers and dates in, answers out, so the edges (23:59 → 00:00, a
window crossing closing time, a closure added mid-day, Saturday before a closed Sunday) are
tested directly.

Weekly hours are ``{"mon": [["09:00", "19:00"]], …, "sun": []}``: all seven days, each a
list of ``[open, close]`` ranges in ascending order that neither overlap nor touch back to
front; an empty list closes that weekday. ``"24:00"`` may close a range (open until
midnight); ranges never cross midnight.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MAX_RANGES_PER_DAY = 6
MINUTES_PER_DAY = 24 * 60

# A range in minutes after midnight: (opens, closes), closes may be 1440 (24:00).
Range = tuple[int, int]
Weekly = dict[str, list[Range]]


class CalendarError(ValueError):
    """Bad calendar input. ``code`` is the API's snake_case code, ``params`` fill the
    caller's translated message."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


def parse_clock(value: Any, *, allow_midnight_end: bool = False) -> int:
    """``"HH:MM"`` → minutes after midnight. ``"24:00"`` only as a closing time."""
    if not isinstance(value, str) or len(value) != 5 or value[2] != ":":
        raise CalendarError("invalid_time", value=str(value)[:20])
    hh, mm = value[:2], value[3:]
    if not (hh.isdigit() and mm.isdigit() and hh.isascii() and mm.isascii()):
        raise CalendarError("invalid_time", value=value)
    hours, minutes = int(hh), int(mm)
    if allow_midnight_end and hours == 24 and minutes == 0:
        return MINUTES_PER_DAY
    if hours > 23 or minutes > 59:
        raise CalendarError("invalid_time", value=value)
    return hours * 60 + minutes


def format_clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def parse_weekly(raw: Any) -> Weekly:
    """Check a weekly-hours body; return it as minutes. Every mistake is a CalendarError."""
    if not isinstance(raw, Mapping):
        raise CalendarError("invalid_hours")
    unknown = [str(key)[:10] for key in raw if key not in WEEKDAYS]
    if unknown:
        raise CalendarError("unknown_weekday", day=", ".join(sorted(unknown)))
    missing = [day for day in WEEKDAYS if day not in raw]
    if missing:
        raise CalendarError("missing_weekday", day=", ".join(missing))
    weekly: Weekly = {}
    for day in WEEKDAYS:
        ranges = raw[day]
        if not isinstance(ranges, list) or len(ranges) > MAX_RANGES_PER_DAY:
            raise CalendarError("invalid_hours", day=day)
        parsed: list[Range] = []
        for item in ranges:
            if not isinstance(item, list | tuple) or len(item) != 2:
                raise CalendarError("invalid_hours", day=day)
            try:
                opens = parse_clock(item[0])
                closes = parse_clock(item[1], allow_midnight_end=True)
            except CalendarError as error:
                error.params.setdefault("day", day)
                raise
            if closes <= opens:
                raise CalendarError("reversed_range", day=day, opens=item[0], closes=item[1])
            parsed.append((opens, closes))
        parsed.sort()
        for (_a, first_close), (second_open, _b) in zip(parsed, parsed[1:], strict=False):
            if second_open < first_close:
                raise CalendarError("overlapping_ranges", day=day)
        weekly[day] = parsed
    return weekly


def weekly_as_json(weekly: Mapping[str, Iterable[Range]]) -> dict[str, list[list[str]]]:
    return {
        day: [[format_clock(a), format_clock(b)] for a, b in weekly.get(day, ())]
        for day in WEEKDAYS
    }


def weekly_from_json(stored: Mapping[str, Any] | None) -> Weekly | None:
    """Stored (already checked) JSON → minutes; ``None`` when no hours were ever set."""
    if not stored:
        return None
    return parse_weekly(stored)


def weekday_key(day: date) -> str:
    return WEEKDAYS[day.weekday()]


@dataclass(frozen=True)
class Calendar:
    """Weekly hours (``None``: never set, always open) and closed dates."""

    weekly: Mapping[str, list[Range]] | None
    closed: Collection[date] = frozenset()

    def ranges(self, day: date) -> list[Range]:
        if day in self.closed:
            return []
        if self.weekly is None:
            return [(0, MINUTES_PER_DAY)]
        return list(self.weekly.get(weekday_key(day), []))

    def is_open_day(self, day: date) -> bool:
        return bool(self.ranges(day))

    def open_at(self, moment: datetime) -> Range | None:
        """The range open at ``moment`` (a local, naive or aware, datetime), or None."""
        minute = moment.hour * 60 + moment.minute
        for opens, closes in self.ranges(moment.date()):
            if opens <= minute < closes:
                return opens, closes
        return None

    def fits(self, day: date, starts: int, ends: int) -> bool:
        """Whether ``starts``–``ends`` (minutes) lies inside one open range of ``day``."""
        return any(opens <= starts and ends <= closes for opens, closes in self.ranges(day))

    def next_opening(self, moment: datetime, *, horizon_days: int = 60) -> datetime | None:
        """The next moment the calendar opens strictly after being closed at ``moment``
        (``moment`` itself never counts: when open now, the next opening after this range)."""
        start = moment.date()
        minute = moment.hour * 60 + moment.minute
        for offset in range(horizon_days + 1):
            day = start + timedelta(days=offset)
            for opens, _closes in self.ranges(day):
                if offset == 0 and opens <= minute:
                    continue
                if self.weekly is None and offset > 0:
                    return None
                return datetime.combine(day, time()) + timedelta(minutes=opens)
        return None

    def next_open_day(self, after: date, *, horizon_days: int = 60) -> date | None:
        for offset in range(1, horizon_days + 1):
            day = after + timedelta(days=offset)
            if self.is_open_day(day):
                return day
        return None


def combine(*calendars: Calendar) -> Calendar:
    """Open only when every calendar is (a shop and the café a pickup happens at)."""

    class _Both(Calendar):
        def ranges(self, day: date) -> list[Range]:
            result = [(0, MINUTES_PER_DAY)]
            for cal in calendars:
                result = _intersect(result, cal.ranges(day))
            return result

    weekly_known = any(c.weekly is not None for c in calendars)
    return _Both(weekly={} if weekly_known else None, closed=frozenset())


def _intersect(left: list[Range], right: list[Range]) -> list[Range]:
    out: list[Range] = []
    for a1, b1 in left:
        for a2, b2 in right:
            lo, hi = max(a1, a2), min(b1, b2)
            if lo < hi:
                out.append((lo, hi))
    return sorted(out)


@dataclass(frozen=True)
class OpenState:
    open_now: bool | None
    closes_at: str | None  # "19:00" while open
    next_open: datetime | None  # when closed (or the next range when open)


def open_state(calendar: Calendar, moment: datetime) -> OpenState:
    """What the shop page says: "영업 중 · 19:00까지" or "오늘 휴무 · 내일 09:00 오픈"."""
    if calendar.weekly is None and not calendar.closed:
        return OpenState(open_now=None, closes_at=None, next_open=None)
    current = calendar.open_at(moment)
    following = calendar.next_opening(moment)
    if current is not None:
        return OpenState(open_now=True, closes_at=format_clock(current[1]), next_open=following)
    return OpenState(open_now=False, closes_at=None, next_open=following)


def pickup_days(
    calendar: Calendar, today: date, *, days_ahead: int, has_slot: Callable[[date], bool]
) -> list[date]:
    """The days a customer may choose: today through ``days_ahead`` days ahead (the API's
    limit for ``pickup_date``), those the calendar is open and ``has_slot`` allows."""
    days = (today + timedelta(days=offset) for offset in range(days_ahead + 1))
    return [day for day in days if calendar.is_open_day(day) and has_slot(day)]


def parse_day_text(text: str) -> list[list[str]]:
    """A console field, "09:00-12:00, 13:00-19:00" (or "–", "~"), → ``[["09:00", "12:00"],
    …]``; empty means closed. The times are checked by :func:`parse_weekly` afterwards."""
    ranges = []
    for part in text.replace("，", ",").split(","):
        part = part.strip()
        if not part:
            continue
        for dash in ("–", "~", "—"):
            part = part.replace(dash, "-")
        bits = [bit.strip() for bit in part.split("-")]
        if len(bits) != 2:
            raise CalendarError("invalid_time", value=part[:20])
        ranges.append(bits)
    return ranges


def day_text(ranges: Iterable[Iterable[str]]) -> str:
    return ", ".join("-".join(pair) for pair in ranges)
