"""Reservations as realtime streams: the customer's page, the owner feed and the café feed.

Three streams carry a reservation's changes, each with its own version that grows by exactly
one per committed change (see docs/live-protocol.md):

* ``reservation.<id>`` (``/ws/reservations/<token>/``): the reservation's own ``version``;
  each message holds the whole reservation, so a page that missed one gets a snapshot.
* ``owner.reservations.<shop id>`` (``/ws/owner/shops/<slug>/reservations/``) and
  ``place.reservations.<place id>`` (``/ws/cafe/<token>/``): a :class:`ReservationFeed`
  version per shop and per pickup place, with the recent changes kept in
  :class:`ReservationEvent` so a page that missed some gets exactly those, in order.

The write half (:func:`record_reservation_change`) runs inside the service's transaction;
the read half (the ``*_stream`` functions) is what the consumers hand to the hub.
"""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from django.conf import settings
from django.db import connections, router

from pickup.models import Reservation, ReservationEvent, ReservationFeed
from pickup.payloads import reservation_payload
from realtime.hub import Reads, Stream
from realtime.publish import publish_many_on_commit

# How many changes per feed are kept for a resync; older ones get a snapshot.
PRUNE_EVERY = 50


def reservation_group(reservation_id: int) -> str:
    return f"reservation.{reservation_id}"


def owner_group(shop_id: int) -> str:
    return f"owner.reservations.{shop_id}"


def place_group(place_id: int) -> str:
    return f"place.reservations.{place_id}"


def shop_feed(shop_id: int) -> str:
    return f"shop:{shop_id}"


def place_feed(place_id: int) -> str:
    return f"place:{place_id}"


def reservation_message(version: int, reservation: dict[str, Any]) -> dict[str, Any]:
    return {"type": "reservation", "version": version, "reservation": reservation}


# --- the write half ------------------------------------------------------------------------


def _bump_feeds(keys: list[str]) -> dict[str, int]:
    """Add one to each feed's version (creating it at 0 first) and return the new values.

    One ``UPDATE ... RETURNING`` for all of them, in key order; the rows stay locked until
    the transaction ends, which keeps each feed's versions gap-free and in commit order.
    """
    keys = sorted(set(keys))
    connection = connections[router.db_for_write(ReservationFeed)]
    got = _update_returning(connection, keys)
    missing = [key for key in keys if key not in got]
    if missing:
        ReservationFeed.objects.bulk_create(
            [ReservationFeed(key=key, version=0) for key in missing], ignore_conflicts=True
        )
        got.update(_update_returning(connection, missing))
    return got


def _update_returning(connection, keys: list[str]) -> dict[str, int]:
    if not (
        connection.vendor in ("postgresql", "sqlite")
        and connection.features.can_return_columns_from_insert
    ):
        result = {}
        for key in keys:
            feeds = ReservationFeed.objects.select_for_update().filter(key=key)
            feed = feeds.first()
            if feed is not None:
                feeds.update(version=feed.version + 1)
                result[key] = feed.version + 1
        return result
    quote = connection.ops.quote_name
    table = quote(ReservationFeed._meta.db_table)
    key, version, pk = quote("key"), quote("version"), quote("id")
    marks = ", ".join(["%s"] * len(keys))
    if connection.vendor == "postgresql":
        # Lock the rows in key order first: a plain multi-row UPDATE locks them in the order
        # it finds them in the heap, which every update of a row changes, so two
        # transactions could take the same two feeds in opposite orders and deadlock.
        sql = (
            f"WITH locked AS (SELECT {pk} FROM {table} WHERE {key} IN ({marks}) "
            f"ORDER BY {key} FOR UPDATE) "
            f"UPDATE {table} SET {version} = {table}.{version} + 1 FROM locked "
            f"WHERE {table}.{pk} = locked.{pk} RETURNING {table}.{key}, {table}.{version}"
        )
    else:  # SQLite: one writer at a time (IMMEDIATE transactions), no row locks to order
        sql = (
            f"UPDATE {table} SET {version} = {version} + 1 WHERE {key} IN ({marks}) "
            f"RETURNING {key}, {version}"
        )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Django's foreign keys are checked at COMMIT, and the check takes a KEY SHARE
            # lock on each referenced row (the pickup window, point, listing...). Left there,
            # it would come after the feed lock, while another transaction holding that
            # window FOR UPDATE waits for the feed: a deadlock. Check them now, before the
            # feed, which keeps the feeds last in the lock order.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        cursor.execute(sql, keys)
        return dict(cursor.fetchall())


def ensure_feeds(*, shop_id: int, place_id: int) -> None:
    """Create the feeds a new pickup point's reservations will bump (so the first
    reservation costs no more statements than the next)."""
    ReservationFeed.objects.bulk_create(
        [ReservationFeed(key=shop_feed(shop_id)), ReservationFeed(key=place_feed(place_id))],
        ignore_conflicts=True,
    )


def record_reservation_change(
    *, reservation: Reservation, public: dict[str, Any], staff: dict[str, Any]
) -> None:
    """Version, log and publish one committed change of ``reservation`` on its three streams.

    Runs inside the change's transaction; ``reservation.version`` is already the new one.
    """
    shop_key = shop_feed(reservation.shop_id)
    place_id = reservation.pickup_point.place_id
    place_key = place_feed(place_id)
    versions = _bump_feeds([shop_key, place_key])
    ReservationEvent.objects.bulk_create(
        [
            ReservationEvent(
                feed=key, version=versions[key], reservation_id=reservation.pk, payload=staff
            )
            for key in (shop_key, place_key)
        ]
    )
    kept = settings.RESERVATION_EVENTS_KEPT
    for key in (shop_key, place_key):
        if versions[key] % PRUNE_EVERY == 0:
            ReservationEvent.objects.filter(feed=key, version__lte=versions[key] - kept).delete()
    publish_many_on_commit(
        [
            (reservation_group(reservation.pk), reservation_message(reservation.version, public)),
            (owner_group(reservation.shop_id), reservation_message(versions[shop_key], staff)),
            (place_group(place_id), reservation_message(versions[place_key], staff)),
        ]
    )


# --- the read half ---------------------------------------------------------------------------


def feed_version(key: str) -> int:
    return ReservationFeed.objects.filter(key=key).values_list("version", flat=True).first() or 0


def feed_messages_after(key: str, version: int, until: int) -> list[dict[str, Any]] | None:
    """The feed's messages (version, until], in order; None when they are no longer kept."""
    wanted = until - version
    if wanted <= 0:
        return []
    if wanted > settings.RESERVATION_EVENTS_KEPT:
        return None
    rows = list(
        ReservationEvent.objects.filter(feed=key, version__gt=version, version__lte=until)
        .order_by("version")
        .values_list("version", "payload")
    )
    if len(rows) != wanted:
        return None
    return [reservation_message(v, payload) for v, payload in rows]


def feed_snapshot(key: str) -> dict[str, Any]:
    """A feed's fresh start: its version. The console and café pages render their list on
    the server, so they read it again when they get one."""
    return {"type": "snapshot", "version": feed_version(key)}


def _feed_stream(group: str, key: str) -> Stream:
    return Stream(
        group=group,
        reads=Reads(
            current_version=database_sync_to_async(lambda: feed_version(key)),
            messages_after=database_sync_to_async(
                lambda version, until: feed_messages_after(key, version, until)
            ),
            snapshot=database_sync_to_async(lambda: feed_snapshot(key)),
        ),
    )


def owner_stream(shop_id: int) -> Stream:
    return _feed_stream(owner_group(shop_id), shop_feed(shop_id))


def place_stream(place_id: int) -> Stream:
    return _feed_stream(place_group(place_id), place_feed(place_id))


def reservation_version(reservation_id: int) -> int:
    return (
        Reservation.objects.filter(pk=reservation_id).values_list("version", flat=True).first() or 0
    )


def reservation_snapshot(reservation_id: int) -> dict[str, Any]:
    reservation = (
        Reservation.objects.select_related("shop", "pickup_point__place", "window")
        .filter(pk=reservation_id)
        .first()
    )
    if reservation is None:
        return {"type": "snapshot", "version": 0, "reservation": None}
    return {
        "type": "snapshot",
        "version": reservation.version,
        "reservation": reservation_payload(reservation),
    }


async def _no_messages(version: int, until: int) -> list[dict[str, Any]] | None:
    # Each message holds the whole reservation: a page that missed one gets a snapshot.
    return [] if version >= until else None


def reservation_stream(reservation_id: int) -> Stream:
    return Stream(
        group=reservation_group(reservation_id),
        reads=Reads(
            current_version=database_sync_to_async(lambda: reservation_version(reservation_id)),
            messages_after=_no_messages,
            snapshot=database_sync_to_async(lambda: reservation_snapshot(reservation_id)),
        ),
    )
