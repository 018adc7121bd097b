"""Reads about pickup windows and reservations shared by pages, the API and the sockets."""

from __future__ import annotations

import re
from collections import OrderedDict, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db.models import Count, Q, Sum
from django.utils import timezone

from livestock.models import Listing
from pickup.codes import InvalidPhone, normalize_phone
from pickup.models import PickupPlace, PickupPoint, PickupWindow, Reservation
from pickup.selectors import place_calendar
from shops import calendar
from shops.models import Shop
from shops.selectors import describe_day, shop_calendar


def reservation_by_token(token: str) -> Reservation | None:
    if not token or len(token) > 64:
        return None
    return (
        Reservation.objects.select_related("shop", "pickup_point__place", "window", "listing")
        .filter(token=token)
        .first()
    )


@dataclass
class WindowChoice:
    window: PickupWindow
    taken: int
    is_past: bool

    @property
    def is_full(self) -> bool:
        return self.window.capacity is not None and self.taken >= self.window.capacity

    @property
    def left(self) -> int | None:
        if self.window.capacity is None:
            return None
        return max(0, self.window.capacity - self.taken)

    @property
    def selectable(self) -> bool:
        return not self.is_full and not self.is_past


@dataclass
class PointChoice:
    point: PickupPoint
    windows: list[WindowChoice] = field(default_factory=list)


def pickup_choices(shop: Shop, now: datetime | None = None) -> list[PointChoice]:
    """The shop's active pickup points with today's windows, how full and whether past."""
    now = now or timezone.now()
    local = timezone.localtime(now)
    today = local.date()
    points = list(
        PickupPoint.objects.filter(shop=shop, status=PickupPoint.Status.ACTIVE).select_related(
            "place"
        )
    )
    windows = (
        PickupWindow.objects.filter(pickup_point__in=points, is_active=True)
        .annotate(
            taken=Count(
                "reservations",
                filter=Q(
                    reservations__date=today, reservations__status__in=Reservation.TAKEN_STATUSES
                ),
            )
        )
        .order_by("starts_at")
    )
    by_point: dict[int, list[WindowChoice]] = defaultdict(list)
    for window in windows:
        by_point[window.pickup_point_id].append(
            WindowChoice(window=window, taken=window.taken, is_past=window.ends_at <= local.time())
        )
    return [PointChoice(point=p, windows=by_point.get(p.pk, [])) for p in points]


@dataclass
class SlotChoice:
    """One line of the reserve form: a place, a window (or the place's open hours) on a day."""

    point: PickupPoint
    day: date
    window: WindowChoice | None = None
    hours: str = ""  # "09:00–19:00" for a place without windows

    @property
    def selectable(self) -> bool:
        return self.window is None or self.window.selectable


@dataclass
class DayChoice:
    day: date
    label: str
    is_today: bool
    slots: list[SlotChoice] = field(default_factory=list)

    @property
    def selectable(self) -> bool:
        return any(slot.selectable for slot in self.slots)


def pickup_day_choices(shop: Shop, now: datetime | None = None) -> list[DayChoice]:
    """What the reserve form offers: today and the open days up to PICKUP_DAYS_AHEAD ahead,
    each with the places open that day and their windows offered that day (with what is
    left on that date's shelf). Days on which neither the shop nor any place is open are
    left out; today's windows that are over or full stay, shown but not selectable."""
    now = now or timezone.now()
    local = timezone.localtime(now)
    today = local.date()
    ahead = settings.PICKUP_DAYS_AHEAD
    last = today + timedelta(days=ahead)
    points = list(
        PickupPoint.objects.filter(shop=shop, status=PickupPoint.Status.ACTIVE)
        .select_related("place")
        .order_by("-is_shop_counter", "position", "id")
    )
    shop_cal = shop_calendar(shop, start=today, days=ahead)
    calendars = {
        p.pk: calendar.combine(shop_cal, place_calendar(p.place, start=today, days=ahead))
        for p in points
    }
    windows: dict[int, list[PickupWindow]] = defaultdict(list)
    for window in PickupWindow.objects.filter(pickup_point__in=points, is_active=True).order_by(
        "starts_at", "pk"
    ):
        windows[window.pickup_point_id].append(window)
    taken: dict[tuple[int, date], int] = {
        (row["window_id"], row["date"]): row["n"]
        for row in Reservation.objects.taken()
        .filter(window__pickup_point__in=points, date__gte=today, date__lte=last)
        .values("window_id", "date")
        .annotate(n=Count("pk"))
    }
    minute_now = local.hour * 60 + local.minute
    days = []
    for offset in range(ahead + 1):
        day = today + timedelta(days=offset)
        choice = DayChoice(
            day=day,
            label=describe_day(day)
            if offset > 1
            else f"{describe_day(day, today)} · {describe_day(day)}",
            is_today=offset == 0,
        )
        for point in points:
            cal = calendars[point.pk]
            if not cal.is_open_day(day):
                continue
            if windows[point.pk]:
                for window in windows[point.pk]:
                    starts = window.starts_at.hour * 60 + window.starts_at.minute
                    ends = window.ends_at.hour * 60 + window.ends_at.minute
                    if not window.offered_on(day) or not cal.fits(day, starts, ends):
                        continue
                    choice.slots.append(
                        SlotChoice(
                            point=point,
                            day=day,
                            window=WindowChoice(
                                window=window,
                                taken=taken.get((window.pk, day), 0),
                                is_past=offset == 0 and ends <= minute_now,
                            ),
                        )
                    )
                continue
            for opens, closes in cal.ranges(day):
                if offset == 0 and closes <= minute_now:
                    continue
                choice.slots.append(
                    SlotChoice(
                        point=point,
                        day=day,
                        hours=f"{calendar.format_clock(opens)}–{calendar.format_clock(closes)}",
                    )
                )
                break
        if choice.slots:
            days.append(choice)
    return days


def today_window_labels(shop: Shop) -> list[str]:
    """The daily pickup windows the shop's active pickup points offer ("11:00–13:00"),
    earliest first, each slot named once however many places offer it."""
    slots = (
        PickupWindow.objects.filter(
            pickup_point__shop=shop, is_active=True, pickup_point__status=PickupPoint.Status.ACTIVE
        )
        .order_by("starts_at", "ends_at")
        .values_list("starts_at", "ends_at")
        .distinct()
    )
    return [PickupWindow(starts_at=starts, ends_at=ends).label for starts, ends in slots]


def reservable_listings(shop: Shop) -> list[Listing]:
    return list(
        Listing.objects.filter(shop=shop, is_active=True)
        .prefetch_related("options")
        .order_by("-arrived_at", "id")
    )


def _today(now: datetime | None) -> date:
    return timezone.localtime(now or timezone.now()).date()


def _with_relations(queryset):
    return queryset.select_related("shop", "pickup_point__place", "window", "option")


@dataclass
class WindowGroup:
    label: str
    reservations: list[Reservation]


@dataclass
class PointGroup:
    point: PickupPoint
    windows: list[WindowGroup]
    prep: list[tuple[str, int]]


def owner_day(shop: Shop, day: date | None = None) -> list[PointGroup]:
    """Today's reservations grouped by pickup point, then window, with a prep list per point
    (how many of each item to pack for that café; cancelled and no-shows left out)."""
    day = day or _today(None)
    reservations = _with_relations(Reservation.objects.filter(shop=shop, date=day)).order_by(
        "pickup_point_id", "pickup_starts_at", "id"
    )
    groups: OrderedDict[int, PointGroup] = OrderedDict()
    prep: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for reservation in reservations:
        group = groups.get(reservation.pickup_point_id)
        if group is None:
            group = groups[reservation.pickup_point_id] = PointGroup(
                point=reservation.pickup_point, windows=[], prep=[]
            )
        label = reservation.window.label if reservation.window else "—"
        if not group.windows or group.windows[-1].label != label:
            group.windows.append(WindowGroup(label=label, reservations=[]))
        group.windows[-1].reservations.append(reservation)
        if reservation.is_open:
            prep[reservation.pickup_point_id][reservation.item_name] += reservation.quantity
    for point_id, group in groups.items():
        group.prep = sorted(prep[point_id].items())
    return list(groups.values())


def place_by_staff_token(token: str) -> PickupPlace | None:
    if not token or len(token) > 64:
        return None
    return PickupPlace.objects.filter(staff_token=token, staff_link_active=True).first()


def place_handover(place: PickupPlace, day: date | None = None) -> list[Reservation]:
    """The orders to hand over at one café today, across every partner shop."""
    day = day or _today(None)
    return list(
        _with_relations(Reservation.objects.filter(pickup_point__place=place, date=day)).order_by(
            "pickup_starts_at", "shop__name", "id"
        )
    )


def reservation_by_code(shop: Shop, code: str) -> Reservation | None:
    return _with_relations(Reservation.objects.filter(shop=shop, code=code)).first()


def shop_day(shop: Shop, day: date | None = None) -> list[Reservation]:
    """One day's reservations of a shop, every status, in pickup order (the POS list)."""
    day = day or _today(None)
    return list(
        _with_relations(Reservation.objects.filter(shop=shop, date=day)).order_by(
            "pickup_starts_at", "id"
        )
    )


def shop_reservation(shop: Shop, reservation_id: int) -> Reservation | None:
    return _with_relations(Reservation.objects.filter(shop=shop, pk=reservation_id)).first()


@dataclass
class HeldLater:
    item_name: str
    unit: str
    units: int
    days: list[tuple[date, int]]


def held_for_later_days(shop: Shop, today: date | None = None) -> list[HeldLater]:
    """Stock held by open reservations for a day after today: it stays reserved (off sale)
    until then, so the console says how much, per item and day."""
    today = today or _today(None)
    rows = (
        Reservation.objects.open()
        .filter(shop=shop, date__gt=today)
        .values("listing_id", "listing__name", "listing__unit", "date")
        .annotate(units=Sum("units"))
        .order_by("listing__name", "listing_id", "date")
    )
    held: OrderedDict[int, HeldLater] = OrderedDict()
    for row in rows:
        entry = held.setdefault(
            row["listing_id"],
            HeldLater(item_name=row["listing__name"], unit=row["listing__unit"], units=0, days=[]),
        )
        entry.units += row["units"]
        entry.days.append((row["date"], row["units"]))
    return list(held.values())


def prep_list(shop: Shop, day: date) -> list[tuple[str, int]]:
    """How many of each item to pack for ``day`` across every pickup point (open orders)."""
    rows = (
        Reservation.objects.open()
        .filter(shop=shop, date=day)
        .values("item_name")
        .annotate(quantity=Sum("quantity"))
        .order_by("item_name")
    )
    return [(row["item_name"], row["quantity"]) for row in rows]


def open_reservations_for(code: str, phone: str) -> list[Reservation]:
    """A customer's open reservations found with the pickup code plus the phone number they
    gave (the whole number, or only its last 4 digits): "내 예약" on a device without the
    link. Both must match; codes are unique per shop, so several shops may answer."""
    digits = re.sub(r"\D", "", phone or "")
    queryset = Reservation.objects.open().filter(code=code)
    if len(digits) == 4:
        queryset = queryset.filter(phone__endswith=digits)
    else:
        try:
            queryset = queryset.filter(phone=normalize_phone(phone))
        except InvalidPhone:
            return []
    return list(_with_relations(queryset).order_by("date", "pickup_starts_at", "id")[:10])
