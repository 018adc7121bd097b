"""Daily pickup windows at a point, and the slot a reservation takes."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pickup.models import ALL_WEEKDAYS, PickupPlace, PickupPoint, PickupWindow, Reservation
from pickup.selectors import pickup_calendar
from pickup.services.checks import RawInput, check_id
from shops import calendar
from shops.errors import Conflict, InvalidInput, NotFound
from shops.models import Shop
from shops.selectors import describe_day
from shops.services import mark_public_pages_changed

END_OF_DAY = time(23, 59, 59)


def _at(day: date, clock: time) -> datetime:
    return timezone.make_aware(datetime.combine(day, clock))


def _place_hours(place: PickupPlace) -> tuple[time, time]:
    return place.opens_at or time(0, 0), place.closes_at or END_OF_DAY


def window_within_hours(*, window: PickupWindow, place: PickupPlace) -> bool:
    opens, closes = _place_hours(place)
    return opens <= window.starts_at and window.ends_at <= closes


def window_taken(*, window: PickupWindow, day: date) -> int:
    return Reservation.objects.taken().filter(window=window, date=day).count()


def add_pickup_window(
    *,
    shop: Shop,
    pickup_point_id: RawInput,
    starts_at: time,
    ends_at: time,
    capacity: int | None = None,
    weekdays: int = ALL_WEEKDAYS,
) -> PickupWindow:
    """The shop sets a pickup window at one of its points on some weekdays (bit 0 Monday …
    bit 6 Sunday; default every day), within the place's hours."""
    point_id = check_id(
        pickup_point_id, code="pickup_point_not_found", detail=_("픽업 지점을 찾을 수 없습니다.")
    )
    point = PickupPoint.objects.select_related("place").filter(pk=point_id, shop=shop).first()
    if point is None:
        raise NotFound(_("이 가게의 픽업 지점이 아닙니다."), code="pickup_point_not_found")
    if not isinstance(starts_at, time) or not isinstance(ends_at, time) or ends_at <= starts_at:
        raise InvalidInput(_("끝나는 시각은 시작 시각보다 늦어야 합니다."), code="invalid_window")
    if capacity is not None and (
        isinstance(capacity, bool) or not isinstance(capacity, int) or not 1 <= capacity <= 10_000
    ):
        raise InvalidInput(_("최대 예약 수는 1 이상의 정수여야 합니다."), code="invalid_capacity")
    if (
        isinstance(weekdays, bool)
        or not isinstance(weekdays, int)
        or not 0 < weekdays <= ALL_WEEKDAYS
    ):
        raise InvalidInput(_("요일을 하나 이상 골라 주세요."), code="invalid_weekdays")
    window = PickupWindow(
        pickup_point=point,
        starts_at=starts_at,
        ends_at=ends_at,
        capacity=capacity,
        weekdays=weekdays,
    )
    if not window_within_hours(window=window, place=point.place):
        opens, closes = _place_hours(point.place)
        raise InvalidInput(
            _("시간대는 영업시간(%(opens)s–%(closes)s) 안이어야 합니다.")
            % {"opens": f"{opens:%H:%M}", "closes": f"{closes:%H:%M}"},
            code="window_outside_hours",
        )
    with transaction.atomic():
        if PickupWindow.objects.filter(
            pickup_point=point, starts_at=starts_at, ends_at=ends_at
        ).exists():
            raise Conflict(_("같은 시간대가 이미 있습니다."), code="window_exists")
        window.save()
    return window


def remove_pickup_window(*, shop: Shop, window_id: RawInput) -> None:
    """Stop offering a window; reservations already made for it keep it."""
    window_id = check_id(window_id, code="window_not_found", detail=_("시간대를 찾을 수 없습니다."))
    updated = PickupWindow.objects.filter(pk=window_id, pickup_point__shop=shop).update(
        is_active=False
    )
    if not updated:
        raise NotFound(_("시간대를 찾을 수 없습니다."), code="window_not_found")
    mark_public_pages_changed([shop.pk])  # an UPDATE sends no post_save


def _minutes(clock: time) -> int:
    return clock.hour * 60 + clock.minute + (1 if clock.second else 0)


def _fits(cal: calendar.Calendar, day: date, window: PickupWindow) -> bool:
    return window.offered_on(day) and cal.fits(
        day, _minutes(window.starts_at), _minutes(window.ends_at)
    )


def _shop_closed(cal: calendar.Calendar, day: date) -> InvalidInput:
    """422 ``shop_closed`` naming the next open day."""
    following = cal.next_open_day(day)
    if following is None:
        return InvalidInput(
            _("%(day)s은(는) 휴무일입니다.") % {"day": describe_day(day)},
            code="shop_closed",
            next_open_date=None,
        )
    return InvalidInput(
        _("%(day)s은(는) 휴무일입니다. 다음 영업일은 %(next)s입니다.")
        % {"day": describe_day(day), "next": describe_day(following)},
        code="shop_closed",
        next_open_date=following.isoformat(),
    )


def check_pickup_date(*, value: RawInput, today: date) -> date | None:
    """``pickup_date`` as sent: none, or a day from today to PICKUP_DAYS_AHEAD days ahead."""
    if value is None or value == "":
        return None
    day = None
    if isinstance(value, str) and len(value) == 10:
        try:
            day = date.fromisoformat(value)
        except ValueError:
            day = None
    if day is None:
        raise InvalidInput(
            _("수령일은 2025-01-31 같은 날짜로 보내 주세요."), code="invalid_pickup_date"
        )
    ahead = settings.PICKUP_DAYS_AHEAD
    if day < today:
        raise InvalidInput(_("지난 날짜에는 예약할 수 없습니다."), code="invalid_pickup_date")
    if day > today + timedelta(days=ahead):
        raise InvalidInput(
            _("수령일은 오늘부터 %(days)d일 뒤까지 고를 수 있습니다.") % {"days": ahead},
            code="invalid_pickup_date",
        )
    return day


def pickup_slot(
    *,
    point: PickupPoint,
    shop: Shop,
    window_id: RawInput,
    now: datetime,
    day: date | None = None,
) -> tuple[PickupWindow | None, datetime, datetime]:
    """Validate and lock the requested window; return it with its start and end.

    Runs inside the reservation's transaction, after the shop's calendar lock, so the
    closures it reads cannot change before the reservation commits. ``day`` is the chosen
    pickup date (already checked against PICKUP_DAYS_AHEAD): a day the shop or the place is
    closed is refused with ``shop_closed``. Without a day, a named window is today's when it
    is still offered today, else the next open day's; with none named either, the earliest
    window (from today on) that has not ended and has room, so a customer (or an integration)
    reserving after closing time or on a closed day is not turned away.

    Room is counted only once the window's row is locked, so on PostgreSQL the lock is what
    serialises capacity checks. Choosing locks all of the point's active windows in one
    ordered statement: the choice is then made on exact counts, and lockers of several
    windows always take them in the same order.
    """
    today = timezone.localtime(now).date()
    ahead = settings.PICKUP_DAYS_AHEAD
    cal = pickup_calendar(shop=shop, place=point.place, start=today, days=ahead + 60)
    if day is not None and not cal.is_open_day(day):
        raise _shop_closed(cal, day)
    if day is not None:
        days = [day]
    else:  # today, or the next open day once today's windows are over
        following = cal.next_open_day(today, horizon_days=ahead)
        days = [d for d in (today, following) if d is not None and cal.is_open_day(d)]
    if window_id is None:
        windows = list(
            PickupWindow.objects.select_for_update(of=("self",))
            .filter(pickup_point=point, is_active=True)
            .order_by("starts_at", "pk")
        )
        if windows:
            window, chosen = _next_open_window(windows, point.place, cal, days, now)
            return window, _at(chosen, window.starts_at), _at(chosen, window.ends_at)
        for candidate in days:
            for opens, closes in cal.ranges(candidate):
                starts, ends = _at_minutes(candidate, opens), _at_minutes(candidate, closes)
                if now < ends:
                    return None, starts, ends
        raise Conflict(
            _("남은 픽업 시간이 없습니다. 다른 날이나 다른 픽업 지점을 골라 주세요."),
            code="no_window_available",
        )
    window_id = check_id(
        window_id, code="window_not_found", detail=_("픽업 시간대를 찾을 수 없습니다.")
    )
    window = (
        PickupWindow.objects.select_for_update(of=("self",))
        .filter(pk=window_id, pickup_point=point, is_active=True)
        .first()
    )
    if window is None:
        raise NotFound(_("이 픽업 지점에 해당 시간대가 없습니다."), code="window_not_found")
    if not window_within_hours(window=window, place=point.place):
        raise InvalidInput(
            _("이 시간대는 픽업 지점 영업시간 밖입니다."), code="window_outside_hours"
        )
    if day is None:
        offered = [d for d in days if _fits(cal, d, window)]
        if today in offered or not offered:
            chosen = today
        else:
            chosen = offered[0]
    else:
        chosen = day
    if not window.offered_on(chosen):
        raise InvalidInput(
            _("이 시간대는 %(day)s에는 운영하지 않습니다.") % {"day": describe_day(chosen)},
            code="window_not_offered",
        )
    if not cal.fits(chosen, _minutes(window.starts_at), _minutes(window.ends_at)):
        if not cal.is_open_day(chosen):
            raise _shop_closed(cal, chosen)
        raise InvalidInput(
            _("이 시간대는 %(day)s 영업시간 밖입니다.") % {"day": describe_day(chosen)},
            code="window_outside_hours",
        )
    starts, ends = _at(chosen, window.starts_at), _at(chosen, window.ends_at)
    if now >= ends:
        raise InvalidInput(
            _("이미 지난 시간대입니다. 다른 시간대를 골라 주세요."), code="window_past"
        )
    if window.capacity is not None and window_taken(window=window, day=chosen) >= window.capacity:
        raise Conflict(
            _("이 시간대는 예약이 꽉 찼습니다. 다른 시간대를 골라 주세요."), code="window_full"
        )
    return window, starts, ends


def _at_minutes(day: date, minutes: int) -> datetime:
    if minutes >= calendar.MINUTES_PER_DAY:
        return _at(day, END_OF_DAY)
    return _at(day, time(minutes // 60, minutes % 60))


def _next_open_window(
    windows: list[PickupWindow],
    place: PickupPlace,
    cal: calendar.Calendar,
    days: list[date],
    now: datetime,
) -> tuple[PickupWindow, date]:
    usable = [w for w in windows if window_within_hours(window=w, place=place)]
    for day in days:
        for window in usable:
            if not _fits(cal, day, window) or now >= _at(day, window.ends_at):
                continue
            if window.capacity is None or window_taken(window=window, day=day) < window.capacity:
                return window, day
    raise Conflict(
        _("남은 픽업 시간대가 없습니다. 다른 픽업 지점을 골라 주세요."), code="no_window_available"
    )
