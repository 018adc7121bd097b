"""Reads about shops shared by pages and the API."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import shapely
from django.db import connection
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from shapely.geometry.base import BaseGeometry

from shops import calendar, geo
from shops.errors import NotFound
from shops.models import (
    Membership,
    ShareChannel,
    ShareStat,
    Shop,
    ShopCalendar,
    ShopClosure,
    ShopDetailChange,
)


def shop_by_slug(slug: str) -> Shop | None:
    if not slug or len(slug) > 50:
        return None
    return Shop.objects.filter(slug=slug, is_active=True).first()


def public_shop(slug: str) -> Shop:
    """The active shop behind a public URL, or a 404 ``shop_not_found``."""
    shop = shop_by_slug(slug)
    if shop is None:
        raise NotFound(_("가게를 찾을 수 없습니다."), code="shop_not_found")
    return shop


def shop_public_fields(shop: Shop) -> dict[str, Any]:
    return {
        "slug": shop.slug,
        "name": shop.name,
        "address": shop.address,
        "lat": shop.lat,
        "lng": shop.lng,
        "service_radius_m": shop.service_radius_m,
        "service_polygon": shop.service_polygon,
        "stock_version": shop.stock_version,
        "notice": shop.notice,
        "return_policy": shop.return_policy,
        "response_hours": shop.response_hours,
        "opening_hours": shop.opening_hours,
        "phone": shop.phone,
        "kakao_channel_url": shop.kakao_channel_url,
        "naver_url": shop.naver_url,
        "url": shop.get_absolute_url(),
    }


# --- near me -----------------------------------------------------------------------------


@dataclass(frozen=True)
class NearbyShop:
    id: int
    slug: str
    name: str
    notice: str
    stock_version: int
    lat: float
    lng: float
    distance_m: float
    page_version: int = 0


_POLYGON_CACHE: dict[int, tuple[str, BaseGeometry]] = {}
POLYGON_CACHE_SIZE = 20_000


def _prepared_polygons(wanted: dict[int, tuple[str, Any]]) -> dict[int, BaseGeometry]:
    """Prepared lng/lat polygons per shop id, cached per process and keyed by the polygon's
    hash, so an edited polygon is never tested in its old shape. Polygons arrive as stored
    (JSON text, or already decoded) and are only decoded on a cache miss."""
    found = {}
    for shop_id, (digest, polygon) in wanted.items():
        cached = _POLYGON_CACHE.get(shop_id)
        if cached is not None and cached[0] == digest:
            found[shop_id] = cached[1]
            continue
        if len(_POLYGON_CACHE) >= POLYGON_CACHE_SIZE:
            _POLYGON_CACHE.clear()
        if isinstance(polygon, (str, bytes)):
            polygon = json.loads(polygon)
        geometry = geo.polygon_geometry(polygon)
        shapely.prepare(geometry)
        _POLYGON_CACHE[shop_id] = (digest, geometry)
        found[shop_id] = geometry
    return found


def nearby_shops(lat: float, lng: float, limit: int | None = None) -> list[NearbyShop]:
    """Active shops whose service area contains (lat, lng), nearest first.

    1. One SQL query (:func:`nearby_candidates_sql`). Its inner part reads only the index
       (lat_band, lng, lat, service_radius_m, id): shops inside the box the largest allowed
       radius could reach (a longitude range in each of the ~9 latitude bands it spans),
       narrowed per row by each shop's own radius (a lower bound of the distance from the
       latitude and longitude differences alone). Only those few candidates are then read
       from the table.
    2. The exact test (:func:`nearby_among`), vectorised over the candidates: geodesic
       distance ≤ radius, then the polygon (if any) on prepared shapely geometries cached per
       shop and polygon fingerprint.
    """
    sql, params = nearby_candidates_sql(lat, lng)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        candidates = cursor.fetchall()
    return nearby_among(lat, lng, candidates, limit)


def nearby_candidates_sql(lat: float, lng: float) -> tuple[str, list[Any]]:
    """The statement (``%s`` placeholders) whose rows :func:`nearby_among` takes."""
    min_lat, max_lat, min_lng, max_lng = geo.bounding_box(lat, lng, geo.MAX_RADIUS_M)
    per_deg_lat = geo.MIN_M_PER_DEG_LAT * 0.999
    edge = min(89.0, max(abs(min_lat), abs(max_lat)))
    per_deg_lng = geo.M_PER_DEG_LNG_EQUATOR * math.cos(math.radians(edge)) * 0.98
    bands = list(range(geo.lat_band(min_lat), geo.lat_band(max_lat) + 1))
    table = connection.ops.quote_name(Shop._meta.db_table)
    sql = (
        "SELECT id, lat, lng, service_radius_m, slug, name, notice, stock_version, "  # noqa: S608
        f"service_polygon_hash, service_polygon, page_version FROM {table} WHERE is_active AND id IN ("
        f"SELECT id FROM {table} WHERE lat_band IN ({', '.join(['%s'] * len(bands))}) "
        "AND lng BETWEEN %s AND %s AND lat BETWEEN %s AND %s "
        "AND service_radius_m >= ABS(lat - %s) * %s AND service_radius_m >= ABS(lng - %s) * %s)"
    )
    return sql, [*bands, min_lng, max_lng, min_lat, max_lat, lat, per_deg_lat, lng, per_deg_lng]


def nearby_among(
    lat: float, lng: float, candidates: list[tuple], limit: int | None = None
) -> list[NearbyShop]:
    """The candidates whose service area really contains (lat, lng), nearest first."""
    if not candidates:
        return []
    inside, meters = geo.contains_many(
        lat,
        lng,
        [row[1] for row in candidates],
        [row[2] for row in candidates],
        [row[3] for row in candidates],
        [None] * len(candidates),
    )
    kept = [
        (row, distance)
        for row, keep, distance in zip(candidates, inside.tolist(), meters.tolist(), strict=True)
        if keep
    ]
    polygons = _prepared_polygons({row[0]: (row[8], row[9]) for row, _d in kept if row[8]})
    hits = []
    for row, distance in kept:
        shop_id, shop_lat, shop_lng, _radius, slug, name, notice, version, digest, _p, page = row
        if digest:
            polygon = polygons.get(shop_id)
            if polygon is None or not shapely.intersects_xy(polygon, lng, lat):
                continue
        hits.append(
            NearbyShop(
                shop_id, slug, name, notice, version, shop_lat, shop_lng, float(distance), page
            )
        )
    hits.sort(key=lambda hit: (hit.distance_m, hit.id))
    return hits[:limit] if limit else hits


def service_area(shop: Shop) -> geo.ServiceArea:
    """The shop's service area: the one place a ``geo.ServiceArea`` is built from a shop."""
    return geo.ServiceArea(shop.lat, shop.lng, shop.service_radius_m, shop.service_polygon)


def nearby_shops_brute_force(lat: float, lng: float) -> list[tuple[int, float]]:
    """The same answer the slow way (every shop, one geodesic at a time), for benchmarks and
    tests to compare against."""
    hits = []
    for shop in Shop.objects.filter(is_active=True).only(
        "id", "lat", "lng", "service_radius_m", "service_polygon"
    ):
        check = service_area(shop).check(lat, lng)
        if check.inside:
            hits.append((shop.pk, check.distance_m))
    hits.sort(key=lambda pair: (pair[1], pair[0]))
    return hits


def share_stats(shop: Shop, days: int = 14) -> dict[str, Any]:
    """Visits through shared links and the reservations they led to, over the last ``days``
    days: totals per channel (every channel listed, zeros included) and the daily rows."""
    since = timezone.localdate() - timedelta(days=days - 1)
    rows = ShareStat.objects.filter(shop=shop, day__gte=since)
    sums = {
        row["channel"]: row
        for row in rows.values("channel").annotate(
            visits=Sum("visits"), reservations=Sum("reservations")
        )
    }
    channels = []
    for channel in ShareChannel:
        found = sums.get(channel.value, {})
        visits, reservations = found.get("visits") or 0, found.get("reservations") or 0
        channels.append(
            {
                "channel": channel.value,
                "label": channel.label,
                "visits": visits,
                "reservations": reservations,
                "rate": round(100 * reservations / visits) if visits else None,
            }
        )
    return {
        "since": since,
        "days": days,
        "channels": channels,
        "total_visits": sum(item["visits"] for item in channels),
        "total_reservations": sum(item["reservations"] for item in channels),
        "daily": list(rows.order_by("-day", "channel")),
    }


def shops_left_without_owner(user_ids: set[int]) -> list[Shop]:
    """Shops whose every owner is one of these users: deleting them all would leave the
    shop without an owner."""
    owned = set(
        Membership.objects.filter(user_id__in=user_ids, role=Membership.Role.OWNER).values_list(
            "shop_id", flat=True
        )
    )
    kept = set(
        Membership.objects.filter(shop_id__in=owned, role=Membership.Role.OWNER)
        .exclude(user_id__in=user_ids)
        .values_list("shop_id", flat=True)
    )
    return list(Shop.objects.filter(pk__in=owned - kept).order_by("pk"))


# --- the shop's calendar -----------------------------------------------------------------


def weekday_names() -> list[str]:
    return [
        pgettext("weekday", "월"),
        pgettext("weekday", "화"),
        pgettext("weekday", "수"),
        pgettext("weekday", "목"),
        pgettext("weekday", "금"),
        pgettext("weekday", "토"),
        pgettext("weekday", "일"),
    ]


def describe_day(day: date, today: date | None = None) -> str:
    """ "12월 8일(화)", or "오늘"/"내일" next to ``today``."""
    if today is not None:
        if day == today:
            return _("오늘")
        if day == today + timedelta(days=1):
            return _("내일")
    return _("%(month)d월 %(day)d일(%(weekday)s)") % {
        "month": day.month,
        "day": day.day,
        "weekday": weekday_names()[day.weekday()],
    }


def shop_calendar(shop: Shop, *, start: date, days: int) -> calendar.Calendar:
    """The shop's weekly hours with its closed dates from ``start`` for ``days`` days."""
    weekly = ShopCalendar.objects.filter(shop_id=shop.pk).values_list("weekly", flat=True).first()
    closed = ShopClosure.objects.filter(
        shop_id=shop.pk, date__gte=start, date__lte=start + timedelta(days=days)
    ).values_list("date", flat=True)
    return calendar.Calendar(weekly=calendar.weekly_from_json(weekly), closed=frozenset(closed))


def upcoming_closures(shop: Shop, today: date) -> list[ShopClosure]:
    return list(ShopClosure.objects.filter(shop_id=shop.pk, date__gte=today).order_by("date"))


def closure_payload(closure: ShopClosure) -> dict[str, Any]:
    return {"id": closure.pk, "date": closure.date.isoformat(), "reason": closure.reason}


def hours_payload(shop: Shop, today: date) -> dict[str, Any]:
    """``GET /api/shops/<slug>/hours``: the weekly hours (``null`` until set) and the
    closures from today on."""
    weekly = ShopCalendar.objects.filter(shop_id=shop.pk).values_list("weekly", flat=True).first()
    return {
        "weekly": weekly,
        "closures": [closure_payload(c) for c in upcoming_closures(shop, today)],
    }


def shop_calendars(shop_ids: list[int], start: date, days: int) -> dict[int, calendar.Calendar]:
    """Many shops' calendars in two queries (the near-me list)."""
    weekly = dict(
        ShopCalendar.objects.filter(shop_id__in=shop_ids).values_list("shop_id", "weekly")
    )
    closed: dict[int, set[date]] = {}
    for shop_id, day in ShopClosure.objects.filter(
        shop_id__in=shop_ids, date__gte=start, date__lte=start + timedelta(days=days)
    ).values_list("shop_id", "date"):
        closed.setdefault(shop_id, set()).add(day)
    return {
        shop_id: calendar.Calendar(
            weekly=calendar.weekly_from_json(weekly.get(shop_id)),
            closed=frozenset(closed.get(shop_id, ())),
        )
        for shop_id in shop_ids
    }


def open_status_of(cal: calendar.Calendar, now: Any = None) -> dict[str, Any]:
    """``open_now`` (``None`` until hours are set), ``next_open`` (ISO, Asia/Seoul) and the
    line the pages show: "영업 중 · 19:00까지", "오늘 휴무 · 내일 09:00 오픈"."""
    local = timezone.localtime(now or timezone.now())
    naive = local.replace(tzinfo=None)
    state = calendar.open_state(cal, naive)
    following = (
        timezone.make_aware(state.next_open).isoformat() if state.next_open is not None else None
    )
    label = ""
    if state.open_now:
        label = _("영업 중 · %(time)s까지") % {"time": state.closes_at}
    elif state.open_now is False:
        today = local.date()
        if state.next_open is None:
            when = ""
        else:
            when = _("%(day)s %(time)s 오픈") % {
                "day": describe_day(state.next_open.date(), today),
                "time": f"{state.next_open:%H:%M}",
            }
        if not cal.is_open_day(today):
            head = _("오늘 휴무")
        elif state.next_open is not None and state.next_open.date() == today:
            head = _("영업 준비 중")
        else:
            head = _("영업 종료")
        label = f"{head} · {when}" if when else head
    return {"open_now": state.open_now, "next_open": following, "open_label": label}


def open_status(shop: Shop, now: Any = None) -> dict[str, Any]:
    today = timezone.localtime(now or timezone.now()).date()
    return open_status_of(shop_calendar(shop, start=today, days=60), now)


SCHEMA_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def opening_hours_specification(shop: Shop, today: date) -> list[dict[str, Any]]:
    """schema.org ``openingHoursSpecification`` for the shop page's LocalBusiness JSON-LD:
    one entry per open range and weekday, and each closure as a closed special day."""
    weekly = ShopCalendar.objects.filter(shop_id=shop.pk).values_list("weekly", flat=True).first()
    specs: list[dict[str, Any]] = []
    if weekly:
        for key, name in zip(calendar.WEEKDAYS, SCHEMA_DAYS, strict=True):
            for opens, closes in weekly.get(key, []):
                specs.append(
                    {
                        "@type": "OpeningHoursSpecification",
                        "dayOfWeek": f"https://schema.org/{name}",
                        "opens": opens,
                        "closes": "23:59" if closes == "24:00" else closes,
                    }
                )
    for closure in upcoming_closures(shop, today):
        specs.append(
            {
                "@type": "OpeningHoursSpecification",
                "validFrom": closure.date.isoformat(),
                "validThrough": closure.date.isoformat(),
                "opens": "00:00",
                "closes": "00:00",
            }
        )
    return specs


def recent_detail_changes(shop_id: int, limit: int = 5) -> list[ShopDetailChange]:
    """The latest changes of the shop's 가게 안내, newest first (the console's "최근 변경")."""
    return list(ShopDetailChange.objects.filter(shop_id=shop_id)[:limit])
