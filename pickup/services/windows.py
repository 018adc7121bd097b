"""Daily pickup windows at a point, and the slot a reservation takes."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pickup.models import PickupPlace, PickupPoint, PickupWindow, Reservation
from pickup.services.checks import RawInput, check_id
from shops.errors import Conflict, InvalidInput, NotFound
from shops.models import Shop

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
) -> PickupWindow:
    """The shop sets a daily pickup window at one of its points, within the place's hours."""
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
    window = PickupWindow(
        pickup_point=point, starts_at=starts_at, ends_at=ends_at, capacity=capacity
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


def pickup_slot(
    *, point: PickupPoint, window_id: RawInput, now: datetime
) -> tuple[PickupWindow | None, datetime, datetime]:
    """Validate and lock the requested window; return it with its start and end.

    Runs inside the reservation's transaction. A named window is today's. With none named,
    the earliest of today's windows that has not ended and has room is taken; when today's
    are over, tomorrow's first one, so a customer (or an integration) reserving after
    closing time is not turned away.

    Room is counted only once the window's row is locked, so on PostgreSQL the lock is what
    serialises capacity checks. Choosing locks all of the point's active windows in one
    ordered statement: the choice is then made on exact counts, and lockers of several
    windows always take them in the same order.
    """
    today = timezone.localtime(now).date()
    place = point.place
    if window_id is None:
        windows = list(
            PickupWindow.objects.select_for_update(of=("self",))
            .filter(pickup_point=point, is_active=True)
            .order_by("starts_at", "pk")
        )
        if windows:
            window, day = _next_open_window(windows, place, now)
            return window, _at(day, window.starts_at), _at(day, window.ends_at)
        opens, closes = _place_hours(place)
        day = today if now < _at(today, closes) else today + timedelta(days=1)
        return None, _at(day, opens), _at(day, closes)
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
    if not window_within_hours(window=window, place=place):
        raise InvalidInput(
            _("이 시간대는 픽업 지점 영업시간 밖입니다."), code="window_outside_hours"
        )
    starts, ends = _at(today, window.starts_at), _at(today, window.ends_at)
    if now >= ends:
        raise InvalidInput(
            _("이미 지난 시간대입니다. 다른 시간대를 골라 주세요."), code="window_past"
        )
    if window.capacity is not None and window_taken(window=window, day=today) >= window.capacity:
        raise Conflict(
            _("이 시간대는 예약이 꽉 찼습니다. 다른 시간대를 골라 주세요."), code="window_full"
        )
    return window, starts, ends


def _next_open_window(
    windows: list[PickupWindow], place: PickupPlace, now: datetime
) -> tuple[PickupWindow, date]:
    today = timezone.localtime(now).date()
    usable = [w for w in windows if window_within_hours(window=w, place=place)]
    for day in (today, today + timedelta(days=1)):
        for window in usable:
            if now >= _at(day, window.ends_at):
                continue
            if window.capacity is None or window_taken(window=window, day=day) < window.capacity:
                return window, day
    raise Conflict(
        _("남은 픽업 시간대가 없습니다. 다른 픽업 지점을 골라 주세요."), code="no_window_available"
    )
