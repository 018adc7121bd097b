"""The pure calendar logic (shops/calendar.py), at its edges."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from shops.calendar import (
    Calendar,
    CalendarError,
    combine,
    open_state,
    parse_clock,
    parse_weekly,
    pickup_days,
    weekly_as_json,
)

BAKERY = {
    "mon": [],
    "tue": [["09:00", "19:00"]],
    "wed": [["09:00", "19:00"]],
    "thu": [["09:00", "19:00"]],
    "fri": [["09:00", "19:00"]],
    "sat": [["09:00", "12:00"], ["13:00", "18:00"]],
    "sun": [],
}
# 2026-12-05 is a Saturday, 12-06 Sunday, 12-07 Monday, 12-08 Tuesday.
SAT, SUN, MON, TUE = date(2026, 12, 5), date(2026, 12, 6), date(2026, 12, 7), date(2026, 12, 8)


def bakery(closed=()) -> Calendar:
    return Calendar(weekly=parse_weekly(BAKERY), closed=frozenset(closed))


def test_round_trip_keeps_every_day_in_order():
    assert weekly_as_json(parse_weekly(BAKERY)) == BAKERY


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({**BAKERY, "funday": []}, "unknown_weekday"),
        ({k: v for k, v in BAKERY.items() if k != "sun"}, "missing_weekday"),
        ({**BAKERY, "mon": [["25:00", "26:00"]]}, "invalid_time"),
        ({**BAKERY, "mon": [["09:60", "10:00"]]}, "invalid_time"),
        ({**BAKERY, "mon": [["9:00", "10:00"]]}, "invalid_time"),
        ({**BAKERY, "mon": [["24:00", "24:00"]]}, "invalid_time"),
        ({**BAKERY, "mon": [["19:00", "09:00"]]}, "reversed_range"),
        ({**BAKERY, "mon": [["09:00", "09:00"]]}, "reversed_range"),
        ({**BAKERY, "mon": [["09:00", "13:00"], ["12:00", "18:00"]]}, "overlapping_ranges"),
        ({**BAKERY, "mon": "09:00-19:00"}, "invalid_hours"),
        ({**BAKERY, "mon": [["09:00"]]}, "invalid_hours"),
        ({**BAKERY, "mon": [[9, 19]]}, "invalid_time"),
        ([], "invalid_hours"),
    ],
)
def test_bad_weekly_hours_name_their_mistake(body, code):
    with pytest.raises(CalendarError) as caught:
        parse_weekly(body)
    assert caught.value.code == code


def test_touching_ranges_and_midnight_close_are_allowed():
    weekly = parse_weekly({**BAKERY, "mon": [["00:00", "12:00"], ["12:00", "24:00"]]})
    assert weekly["mon"] == [(0, 720), (720, 1440)]
    assert parse_clock("24:00", allow_midnight_end=True) == 1440


def test_2359_to_0000_flips_the_day():
    cal = bakery()
    late = open_state(cal, datetime(2026, 12, 8, 23, 59))  # Tuesday night
    assert late.open_now is False
    assert late.next_open == datetime(2026, 12, 9, 9, 0)
    midnight = open_state(cal, datetime(2026, 12, 9, 0, 0))
    assert midnight.open_now is False
    assert midnight.next_open == datetime(2026, 12, 9, 9, 0)
    # open until midnight: 23:59 is open, 00:00 the next day is not
    night = Calendar(weekly=parse_weekly({d: [["18:00", "24:00"]] for d in BAKERY}))
    assert night.open_at(datetime(2026, 12, 8, 23, 59)) == (1080, 1440)
    assert night.open_at(datetime(2026, 12, 9, 0, 0)) is None


def test_open_says_until_when_and_lunch_break_is_closed():
    cal = bakery()
    state = open_state(cal, datetime(2026, 12, 5, 10, 0))
    assert (state.open_now, state.closes_at) == (True, "12:00")
    lunch = open_state(cal, datetime(2026, 12, 5, 12, 30))
    assert lunch.open_now is False
    assert lunch.next_open == datetime(2026, 12, 5, 13, 0)


def test_window_crossing_closing_time_does_not_fit():
    cal = bakery()
    assert cal.fits(TUE, 17 * 60, 19 * 60)
    assert not cal.fits(TUE, 18 * 60, 20 * 60)
    assert not cal.fits(SAT, 11 * 60, 13 * 60)  # across the lunch break
    assert not cal.fits(MON, 10 * 60, 11 * 60)  # closed weekday


def test_closure_added_mid_day_closes_the_rest_of_it():
    before = bakery()
    moment = datetime(2026, 12, 8, 14, 0)
    assert open_state(before, moment).open_now is True
    after = bakery(closed={TUE})
    state = open_state(after, moment)
    assert state.open_now is False
    assert state.next_open == datetime(2026, 12, 9, 9, 0)
    assert not after.is_open_day(TUE)


def test_last_window_of_saturday_then_closed_sunday_and_monday():
    cal = bakery()
    after_close = open_state(cal, datetime(2026, 12, 5, 18, 0))
    assert after_close.open_now is False
    assert after_close.next_open == datetime(2026, 12, 8, 9, 0)  # Sun, Mon closed
    assert cal.next_open_day(SAT) == TUE
    assert cal.fits(SAT, 17 * 60, 18 * 60)


def test_unset_hours_are_always_open_and_unknown_on_the_page():
    cal = Calendar(weekly=None)
    assert cal.is_open_day(MON)
    assert open_state(cal, datetime(2026, 12, 7, 3, 0)).open_now is None
    assert not Calendar(weekly=None, closed={MON}).is_open_day(MON)


def test_combined_calendar_is_open_only_when_both_are():
    cafe = Calendar(
        weekly=parse_weekly({d: [["08:00", "12:00"], ["14:00", "21:00"]] for d in BAKERY})
    )
    both = combine(bakery(), cafe)
    assert both.ranges(SAT) == [(540, 720), (840, 1080)]
    assert both.ranges(MON) == []
    assert not both.fits(TUE, 12 * 60, 13 * 60)
    assert not combine(bakery(), Calendar(weekly=None, closed={TUE})).is_open_day(TUE)


def test_pickup_days_skip_closed_days_and_stop_at_the_limit():
    cal = bakery(closed={date(2026, 12, 10)})
    days = pickup_days(cal, SAT, days_ahead=7, has_slot=lambda d: True)
    assert days == [SAT, TUE, date(2026, 12, 9), date(2026, 12, 11), date(2026, 12, 12)]
    no_today = pickup_days(cal, SAT, days_ahead=3, has_slot=lambda d: d != SAT)
    assert no_today == [TUE]


def test_console_day_text_round_trips():
    from shops.calendar import day_text, parse_day_text

    assert parse_day_text("09:00-12:00, 13:00 ~ 19:00") == [["09:00", "12:00"], ["13:00", "19:00"]]
    assert parse_day_text("  ") == []
    assert day_text([["09:00", "12:00"], ["13:00", "19:00"]]) == "09:00-12:00, 13:00-19:00"
    with pytest.raises(CalendarError):
        parse_day_text("9시부터")
