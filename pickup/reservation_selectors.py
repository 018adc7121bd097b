"""Reads about pickup windows and reservations shared by pages, the API and the sockets."""

from __future__ import annotations

import re
from collections import OrderedDict, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import Count, Q
from django.utils import timezone

from livestock.models import Listing
from pickup.codes import InvalidPhone, normalize_phone
from pickup.models import PickupPlace, PickupPoint, PickupWindow, Reservation
from shops.models import Shop


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
