"""The public reads people make most, answered from bytes cached under the shop's versions.

The shop page (the link every KakaoTalk share opens), a listing's page, ``GET /api/shops/<slug>``
and its ``/stock?since=`` poll depend only on the shop's state, the language, the host, the
query string and the clock (the "영업 중 · 19:00까지" label, the reserve form's days). An answer
is kept under a key of all of those, the shop's state being its two counters: ``stock_version``
(every stock change) and ``page_version`` (everything else the pages show; see
:func:`watch_public_state`). Reading them is one indexed statement, so a repeat visit skips the
view, its queries, the template and the rest of the middleware. A change of stock moves
``stock_version`` in its own transaction; any other change moves ``page_version`` once it
commits, and the process that made it forgets what it kept of that shop at once. So no answer
outlives the state it was drawn from, and nothing is invalidated by time alone. The clock enters the key by the minute, the finest the pages show.

What is per visitor is never cached: the CSRF token and the reserve form's idempotency key are
cut out of the stored page and filled in afresh for each visitor; cookies are set per visitor
(the CSRF middleware's, the device cookie, a shared link's visit). Signed-in visitors, a flash
message waiting, a HEAD or anything but a 200 go through the whole stack as before.

The middleware sits after ``CsrfViewMiddleware``: sessions, language and CSRF run as usual, and
the headers of the middleware after it (the CSP, X-Frame-Options) are stored with the answer,
per host and scheme, exactly as they were sent.
"""

from __future__ import annotations

import re
import threading
import uuid
import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models.signals import post_delete, post_save
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils import timezone, translation

from livestock.models import Listing, ListingOption
from pickup.models import PickupPlace, PickupPoint, PickupWindow, PlaceClosure
from reviews.models import Review
from shops import events
from shops.converters import SLUG_PATTERN
from shops.errors import InvalidInput
from shops.models import ServiceAreasVersion, Shop, ShopCalendar, ShopClosure
from shops.selectors import nearby_shops
from shops.services import mark_public_pages_changed, parse_point
from shops.signals import public_pages_changed

# A shop page is ~40 KB: at most ~40 MB per store and process.
MAX_ENTRIES = 1024
MAX_QUERY = 256
PAGE, JSON, NEARBY = "page", "json", "nearby"
NEARBY_PATH = "/api/shops/nearby"
# Set in the ASGI scope of a request whose answer config/public_reads.py keeps.
KEPT_AHEAD = "dongne5km.kept_ahead"
# …and, for a nearby request, the shops its key's search found, which the answer lists.
NEARBY_FOUND = "dongne5km.nearby_found"

ROUTES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(rf"^/s/(?P<slug>{SLUG_PATTERN})/(?:l/[0-9]{{1,19}}/)?$"), PAGE),
    (re.compile(rf"^/api/shops/(?!nearby$)(?P<slug>{SLUG_PATTERN})(?:/stock)?$"), JSON),
)

# Per-visitor values in a rendered page, cut out before it is stored.
CSRF_FIELD = re.compile(rb'(name="csrfmiddlewaretoken" value=")[A-Za-z0-9]{32,64}(")')
IDEMPOTENCY_FIELD = re.compile(rb'(name="idempotency_key" value=")[0-9a-f]{32}(")')
CSRF_HOLE = b"\x00csrf\x00"
IDEMPOTENCY_HOLE = b"\x00idem\x00"
VISITOR_HOLE = re.compile(rb"\x00(csrf|idem)\x00")
DROPPED_HEADERS = frozenset({"set-cookie", "content-length"})


@dataclass(frozen=True)
class Stored:
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes | tuple[bytes, ...]  # a page's is cut at its per-visitor values
    shop_id: int
    kind: str


class Store:
    """A bounded least-recently-used map, shared by a process's request threads."""

    every: weakref.WeakSet[Store] = weakref.WeakSet()

    def __init__(self, limit: int = MAX_ENTRIES) -> None:
        self.limit = limit
        self._items: OrderedDict[tuple, tuple[Any, frozenset[int]]] = OrderedDict()
        self._lock = threading.Lock()
        Store.every.add(self)

    def get(self, key: tuple) -> Any:
        with self._lock:
            kept = self._items.get(key)
            if kept is None:
                return None
            self._items.move_to_end(key)
            return kept[0]

    def put(self, key: tuple, item: Any, shop_ids: Iterable[int]) -> None:
        """Keep ``item``, drawn from the shops ``shop_ids``, under ``key``."""
        with self._lock:
            self._items[key] = (item, frozenset(shop_ids))
            self._items.move_to_end(key)
            while len(self._items) > self.limit:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def forget(self, key: tuple, item: Any) -> None:
        """Drop ``key`` if it still holds ``item`` (not one another thread put since)."""
        with self._lock:
            kept = self._items.get(key)
            if kept is not None and kept[0] is item:
                del self._items[key]

    def forget_shops(self, shop_ids: set[int]) -> None:
        with self._lock:
            for key in [key for key, (_, drawn) in self._items.items() if drawn & shop_ids]:
                del self._items[key]


store = Store()


SHOP_STATE_SQL = (
    "SELECT id, stock_version, page_version, is_active "  # noqa: S608
    f"FROM {Shop._meta.db_table} WHERE slug = %s"
)


def shop_state(slug: str) -> tuple[int, int, int, bool] | None:
    """``(id, stock_version, page_version, is_active)`` in one indexed statement."""
    with connection.cursor() as cursor:
        cursor.execute(SHOP_STATE_SQL, [slug])
        row = cursor.fetchone()
    return None if row is None else (row[0], row[1], row[2], bool(row[3]))


def nearby_point(request: HttpRequest) -> tuple[float, float] | None:
    """The position a nearby request asks about; None for one the view should refuse."""
    try:
        return parse_point(request.GET.get("lat", ""), request.GET.get("lng", ""))
    except InvalidInput:
        return None


AREAS_VERSION_SQL = f"SELECT value FROM {ServiceAreasVersion._meta.db_table} WHERE id = 1"  # noqa: S608


@dataclass(frozen=True)
class Found:
    """The shops a nearby search found at a point, and the service areas' version it saw."""

    areas_version: int
    shop_ids: tuple[int, ...]


# Per point: a repeat at a point (a reload, the home page coming back) whose areas' version
# has not moved asks for the found shops' versions instead of searching again.
found_nearby = Store(limit=MAX_ENTRIES)


def found_again_sql(found: Found) -> tuple[str, list[Any]]:
    """One statement: the areas' version, and the versions of the shops found (``%s``)."""
    areas, shops = ServiceAreasVersion._meta.db_table, Shop._meta.db_table
    marks = ", ".join(["%s"] * len(found.shop_ids)) or "NULL"
    sql = (
        "SELECT a.value, s.id, s.stock_version, s.page_version "  # noqa: S608
        f"FROM {areas} a LEFT JOIN {shops} s ON s.is_active AND s.id IN ({marks}) "
        "WHERE a.id = 1"
    )
    return sql, list(found.shop_ids)


# The same for many found lists at once (PostgreSQL's reads in rounds: config/loop_reads.py).
FOUND_AGAIN_ANY_SQL = (
    "SELECT a.value, s.id, s.stock_version, s.page_version "  # noqa: S608
    f"FROM {ServiceAreasVersion._meta.db_table} a LEFT JOIN {Shop._meta.db_table} s "
    "ON s.is_active AND s.id = ANY(%s) WHERE a.id = 1"
)


def state_if_still_found(found: Found, rows: list[tuple]) -> tuple | None:
    """The found shops' ``(id, stock_version, page_version)`` in the order found, if the
    areas are as they were when they were found and every one of them is still there (read
    by :func:`found_again_sql`, or with others' by ``FOUND_AGAIN_ANY_SQL``)."""
    if not rows or rows[0][0] != found.areas_version:
        return None
    versions = {row[1]: (row[1], row[2], row[3]) for row in rows if row[1] is not None}
    if any(shop_id not in versions for shop_id in found.shop_ids):
        return None
    return tuple(versions[shop_id] for shop_id in found.shop_ids)


def keep_found(point: tuple[float, float], areas_rows: list[tuple], state: tuple) -> None:
    """Keep what a search at ``point`` found, with the areas' version read before it."""
    if areas_rows:
        ids = tuple(shop[0] for shop in state)
        found_nearby.put(point, Found(areas_rows[0][0], ids), ids)


def nearby_state(request: HttpRequest) -> tuple[tuple, list | None] | None:
    """The versions of the shops a nearby answer lists, with the shops found when it searched
    (None when it did not); None for a request the view should refuse. A repeat at a point
    asks for the versions of the shops found there before, while the areas' version has not
    moved (one statement); otherwise it reads that version and searches (two)."""
    from storefront.nearby import MAX_RESULTS

    point = nearby_point(request)
    if point is None:
        return None
    with connection.cursor() as cursor:
        found = found_nearby.get(point)
        if found is not None:
            cursor.execute(*found_again_sql(found))
            state = state_if_still_found(found, cursor.fetchall())
            if state is not None:
                return state, None
        # Read before the search: a change that commits in between moves it past this value.
        cursor.execute(AREAS_VERSION_SQL)
        areas_rows = cursor.fetchall()
    hits = nearby_shops(*point, limit=MAX_RESULTS)
    state = tuple((hit.id, hit.stock_version, hit.page_version) for hit in hits)
    if not connection.in_atomic_block:  # what a transaction sees may yet roll back
        keep_found(point, areas_rows, state)
    return state, hits


def route_of(path: str) -> tuple[str, str] | None:
    if path == NEARBY_PATH:
        return "", NEARBY
    for pattern, kind in ROUTES:
        match = pattern.match(path)
        if match is not None:
            return match["slug"], kind
    return None


def anonymous(request: HttpRequest) -> bool:
    cookies = request.COOKIES
    return settings.SESSION_COOKIE_NAME not in cookies and "messages" not in cookies


class PublicReadCacheMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            request.method != "GET"
            or not anonymous(request)
            or getattr(request, "scope", {}).get(KEPT_AHEAD)
        ):
            return self.get_response(request)
        route = route_of(request.path_info)
        query = request.META.get("QUERY_STRING", "")
        # JSON reads are kept ahead of Django (config/public_reads.py); pages come here when
        # that layer let them through (a shared link's visit to count) or under another server.
        if route is None or route[1] != PAGE or len(query) > MAX_QUERY:
            return self.get_response(request)
        slug, kind = route
        try:
            shop = shop_state(slug)
        except DatabaseError:
            # The view meets the same error, where the stack turns it into its calm 503.
            return self.get_response(request)
        if shop is None or not shop[3]:
            return self.get_response(request)
        shop_id, state = shop[0], shop[:3]
        key = (
            request.scheme,
            request.get_host(),
            request.path_info,
            query,
            translation.get_language(),
            timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            state,
        )
        stored = store.get(key)
        if stored is not None:
            return self._replay(request, stored)
        response = self.get_response(request)
        item = self._storable(request, response, shop_id, kind)
        if item is not None:
            store.put(key, item, [shop_id])
        return response

    def _storable(
        self, request: HttpRequest, response: HttpResponse, shop_id: int, kind: str
    ) -> Stored | None:
        if response.status_code != 200 or response.streaming:
            return None
        body: bytes | tuple[bytes, ...] = response.content
        if kind == PAGE:
            body = without_visitor_values(response.content)
        headers = tuple(
            (name, value) for name, value in response.items() if name.lower() not in DROPPED_HEADERS
        )
        return Stored(response.status_code, headers, body, shop_id, kind)

    def _replay(self, request: HttpRequest, stored: Stored) -> HttpResponse:
        body = stored.body
        if isinstance(body, tuple):
            body = with_visitor_values(body, get_token(request), uuid.uuid4)
        response = HttpResponse(body, status=stored.status)
        for name, value in stored.headers:
            response[name] = value
        if stored.kind == PAGE:
            per_visitor(request, response, stored.shop_id)
        return response


def without_visitor_values(page: bytes) -> tuple[bytes, ...]:
    """A rendered page cut at its CSRF tokens and idempotency keys, once, when it is kept: the
    text between them, and at each odd place the name of the value that goes there."""
    page = CSRF_FIELD.sub(rb"\1" + CSRF_HOLE + rb"\2", page)
    page = IDEMPOTENCY_FIELD.sub(rb"\1" + IDEMPOTENCY_HOLE + rb"\2", page)
    return tuple(VISITOR_HOLE.split(page))


def with_visitor_values(
    page: tuple[bytes, ...], csrf_token: str, new_key: Callable[[], uuid.UUID]
) -> bytes:
    """The cut page filled in for one visitor: their token, a fresh key per form."""
    token = csrf_token.encode()
    filled = list(page)
    for place in range(1, len(filled), 2):
        filled[place] = token if filled[place] == b"csrf" else new_key().hex.encode()
    return b"".join(filled)


def per_visitor(request: HttpRequest, response: HttpResponse, shop_id: int) -> None:
    """What the page views do for each visitor besides drawing the page."""
    from pickup.clients import remember_device
    from shops import sharing

    if sharing.ref_channel(request) is not None:
        sharing.note_visit(request, response, Shop(pk=shop_id))
    remember_device(request, response)


# --- what moves page_version ---------------------------------------------------------------


def _shop_ids_of(instance: Any) -> list[int]:
    """The shops whose public pages draw ``instance``."""
    if isinstance(instance, Shop):
        return [instance.pk]
    if getattr(instance, "shop_id", None) is not None:
        return [instance.shop_id]
    if isinstance(instance, ListingOption):
        return list(
            Listing.objects.filter(pk=instance.listing_id).values_list("shop_id", flat=True)
        )
    if isinstance(instance, PickupWindow):
        return list(
            PickupPoint.objects.filter(pk=instance.pickup_point_id).values_list(
                "shop_id", flat=True
            )
        )
    place = (
        instance.pk if isinstance(instance, PickupPlace) else getattr(instance, "place_id", None)
    )
    if place is None:
        return []
    points = PickupPoint.objects.filter(place_id=place)
    return list(points.values_list("shop_id", flat=True).distinct())


def _changed(sender, instance, **kwargs) -> None:
    if kwargs.get("raw"):
        return
    mark_public_pages_changed(_shop_ids_of(instance))


# Leaving a window frees its place in the reserve form without always returning stock.
WINDOW_FREEING_EVENTS = frozenset({events.RESERVATION_CANCELLED, events.RESERVATION_NO_SHOW})


def _reservation_step(sender, event: events.BusinessEvent, **kwargs) -> None:
    if event.type in WINDOW_FREEING_EVENTS:
        mark_public_pages_changed([event.shop_id])


def watch_public_state() -> None:
    """Connect what moves ``page_version``: a save or delete of any model the public pages
    draw (the stock counter covers listings' counts), and reservations leaving a window."""
    for model in (
        Shop,
        ShopCalendar,
        ShopClosure,
        Listing,
        ListingOption,
        PickupPlace,
        PickupPoint,
        PickupWindow,
        PlaceClosure,
        Review,
    ):
        post_save.connect(_changed, sender=model, dispatch_uid=f"page_cache.{model.__name__}.save")
        post_delete.connect(
            _changed, sender=model, dispatch_uid=f"page_cache.{model.__name__}.delete"
        )
    events.happened.connect(_reservation_step, dispatch_uid="page_cache.reservation_step")
    public_pages_changed.connect(_forget, dispatch_uid="page_cache.forget")


def _forget(sender, shop_ids: list[int], **kwargs) -> None:
    for kept in Store.every:
        kept.forget_shops(set(shop_ids))
