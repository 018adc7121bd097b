"""Reads about pickup points and reservations shared by pages and the API."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from functools import cache
from typing import Any

from django.db import connection
from django.db.models import Q, QuerySet

from pickup.models import PartnerInvitation, PickupPlace, PickupPoint, PlaceClosure
from shops import calendar, geo
from shops.models import Shop, ShopCalendar, ShopClosure
from shops.selectors import service_area


def pickup_point_payload(point: PickupPoint, distance_m: float | None = None) -> dict[str, Any]:
    place = point.place
    data = {
        "id": point.pk,
        "name": place.name,
        "lat": place.lat,
        "lng": place.lng,
        "address": place.address,
        "opening_hours": place.opening_hours,
        "opens_at": place.opens_at.strftime("%H:%M") if place.opens_at else None,
        "closes_at": place.closes_at.strftime("%H:%M") if place.closes_at else None,
        "contact": place.contact,
        "handover_notes": place.handover_notes,
        "photo_url": place.photo.url if place.photo else None,
        "is_shop_counter": point.is_shop_counter,
        "status": str(point.status),
        "place_id": place.pk,
    }
    if distance_m is not None:
        data["distance_m"] = int(round(distance_m))
        data["distance_text"] = geo.format_distance(distance_m)
    return data


def active_points(shop_ids: Iterable[int]) -> QuerySet[PickupPoint]:
    return PickupPoint.objects.select_related("place").filter(
        shop_id__in=list(shop_ids), status=PickupPoint.Status.ACTIVE
    )


def public_pickup_points(
    shop: Shop, near: tuple[float, float] | None = None
) -> list[dict[str, Any]]:
    """Active pickup points of a shop: the shop's own counter first, or nearest first when
    the customer's location (``near`` = lat, lng) is known."""
    points = list(active_points([shop.pk]).order_by("-is_shop_counter", "position", "id"))
    if near is None or not points:
        return [pickup_point_payload(point) for point in points]
    meters, _bearing = geo.inverse_many(
        near[0], near[1], [p.place.lat for p in points], [p.place.lng for p in points]
    )
    ranked = sorted(zip(points, meters.tolist(), strict=True), key=lambda pair: pair[1])
    return [pickup_point_payload(point, distance) for point, distance in ranked]


def owner_pickup_points(shop: Shop) -> list[PickupPoint]:
    """Every point of the shop, paused ones included, with how many shops share its place."""
    points = list(
        PickupPoint.objects.select_related("place")
        .filter(shop=shop)
        .order_by("-is_shop_counter", "position", "id")
    )
    shared = {}
    for place_id, shop_id in PickupPoint.objects.filter(
        place_id__in=[p.place_id for p in points]
    ).values_list("place_id", "shop_id"):
        shared.setdefault(place_id, set()).add(shop_id)
    for point in points:
        point.shared_with = len(shared.get(point.place_id, ())) - 1
    return points


def partnerable_places(shop: Shop, limit: int = 20) -> list[tuple[PickupPlace, float]]:
    """Other shops' partner cafés inside this shop's area that it does not offer yet."""
    box = geo.bounding_box(shop.lat, shop.lng, shop.service_radius_m)
    candidates = list(
        PickupPlace.objects.filter(lat__range=box[:2], lng__range=box[2:])
        .exclude(partnerships__shop=shop)
        .exclude(Q(partnerships__is_shop_counter=True))
        .distinct()[:500]
    )
    area = service_area(shop)
    found = []
    for place in candidates:
        check = area.check(place.lat, place.lng)
        if check.inside:
            found.append((place, check.distance_m))
    found.sort(key=lambda pair: pair[1])
    return found[:limit]


def invitation_payload(invitation: PartnerInvitation) -> dict[str, Any]:
    place = invitation.place
    return {
        "id": invitation.pk,
        "status": str(invitation.status),
        "shop": invitation.shop.slug,
        "place_id": place.pk,
        "place_name": place.name,
        "owner_shop": place.owner_shop.name if place.owner_shop_id else None,
        "created_at": invitation.created_at.isoformat(),
    }


def incoming_invitations(shop: Shop) -> list[PartnerInvitation]:
    """Pending requests from other shops to offer one of this shop's cafés."""
    return list(
        PartnerInvitation.objects.select_related("shop", "place")
        .filter(place__owner_shop=shop, status=PartnerInvitation.Status.PENDING)
        .exclude(shop=shop)
        .order_by("created_at", "id")
    )


def outgoing_invitations(shop: Shop) -> list[PartnerInvitation]:
    """This shop's requests still waiting for the café owner's answer."""
    return list(
        PartnerInvitation.objects.select_related("place__owner_shop")
        .filter(shop=shop, status=PartnerInvitation.Status.PENDING)
        .order_by("created_at", "id")
    )


# --- calendars -------------------------------------------------------------------------


def place_weekly(place: PickupPlace) -> calendar.Weekly | None:
    """A place's weekly hours: its own, else its opening–closing time every day, else none."""
    if place.weekly_hours:
        return calendar.weekly_from_json(place.weekly_hours)
    if place.opens_at is None and place.closes_at is None:
        return None
    opens = place.opens_at.hour * 60 + place.opens_at.minute if place.opens_at else 0
    closes = (
        place.closes_at.hour * 60 + place.closes_at.minute + (1 if place.closes_at.second else 0)
        if place.closes_at
        else calendar.MINUTES_PER_DAY
    )
    return {day: [(opens, closes)] for day in calendar.WEEKDAYS}


def place_calendar(place: PickupPlace, *, start: date, days: int) -> calendar.Calendar:
    closed = PlaceClosure.objects.filter(
        place_id=place.pk, date__gte=start, date__lte=start + timedelta(days=days)
    ).values_list("date", flat=True)
    return calendar.Calendar(weekly=place_weekly(place), closed=frozenset(closed))


@cache
def _pickup_calendar_sql(vendor: str) -> str:
    """The shop's weekly hours and both closure lists in one statement, written once per
    database vendor (a reservation reads them on every request)."""
    quote = connection.ops.quote_name

    def table(model: type) -> str:
        return quote(model._meta.db_table)

    def column(model: type, name: str) -> str:
        return quote(model._meta.get_field(name).column)

    closures = "SELECT {kind}, NULL, {d} FROM {t} WHERE {owner} = %s AND {d} >= %s AND {d} <= %s"
    return " UNION ALL ".join(
        [
            f"SELECT 0, {column(ShopCalendar, 'weekly')}, NULL FROM {table(ShopCalendar)}"
            f" WHERE {column(ShopCalendar, 'shop')} = %s",
            closures.format(
                kind=1,
                d=column(ShopClosure, "date"),
                t=table(ShopClosure),
                owner=column(ShopClosure, "shop"),
            ),
            closures.format(
                kind=2,
                d=column(PlaceClosure, "date"),
                t=table(PlaceClosure),
                owner=column(PlaceClosure, "place"),
            ),
        ]
    )


def pickup_calendar(*, shop: Shop, place: PickupPlace, start: date, days: int) -> calendar.Calendar:
    """When a pickup of ``shop``'s order at ``place`` can happen: both are open. One query
    (shops.selectors.shop_calendar and place_calendar read the same rows in three)."""
    first, last = (
        connection.ops.adapt_datefield_value(d) for d in (start, start + timedelta(days=days))
    )
    weekly_field = ShopCalendar._meta.get_field("weekly")
    weekly = None
    closed: tuple[set[date], set[date]] = (set(), set())
    with connection.cursor() as cursor:
        cursor.execute(
            _pickup_calendar_sql(connection.vendor),
            [shop.pk, shop.pk, first, last, place.pk, first, last],
        )
        for kind, stored, day in cursor.fetchall():
            if kind == 0:
                weekly = weekly_field.from_db_value(stored, None, connection)
            else:
                closed[kind - 1].add(day if isinstance(day, date) else date.fromisoformat(day))
    return calendar.combine(
        calendar.Calendar(weekly=calendar.weekly_from_json(weekly), closed=frozenset(closed[0])),
        calendar.Calendar(weekly=place_weekly(place), closed=frozenset(closed[1])),
    )
