"""A shop's versions read on the server's event loop, without a hop to a worker thread.

The public reads kept ahead of Django (config/public_reads.py) need one statement before they
can answer a repeat: the shop's ``(id, stock_version, page_version, is_active)``, or for
nearby (on SQLite) the search, whose found shops' versions are the key.
Django refuses database work on the event loop, so that statement used to cost a hop to a
worker thread and back, the largest part of a repeat's time under load. This module reads it
on the loop through a connection of its own: on PostgreSQL an ``AsyncConnection`` of psycopg
3 (the driver Django already uses, with Django's connection parameters), its reads made in
rounds; on SQLite a read-only ``sqlite3`` connection (a WAL reader never waits for a writer;
the version read takes microseconds, the search about a millisecond at 100,000 shops).

It sees committed rows only, as any other connection would. Whatever it cannot answer (no
such row, another engine, an in-memory database, an error, a connection still being opened
after an outage) comes back as :data:`ASK_DJANGO`, and the caller reads in a worker thread
through Django as before, so nothing depends on this path being there.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, Final

from django.db import connections

from shops.models import Shop
from shops.selectors import nearby_among, nearby_candidates_sql
from storefront import page_cache
from storefront.page_cache import SHOP_STATE_SQL

logger = logging.getLogger(__name__)

ASK_DJANGO: Final = object()
# After a failure, the loop leaves the database to Django's threads for a while.
RETRY_AFTER_S = 5.0
CONNECT_TIMEOUT_S = 2


class _Sqlite:
    def __init__(self, path: str) -> None:
        self.uri = Path(path).resolve().as_uri() + "?mode=ro"
        self.connection: sqlite3.Connection | None = None

    async def fetch(self, sql: str, params: list[Any]) -> list[tuple]:
        if self.connection is None:
            # timeout=0: a reader that would wait (a checkpoint) gives the read to Django.
            self.connection = sqlite3.connect(self.uri, uri=True, timeout=0, isolation_level=None)
        return self.connection.execute(sql.replace("%s", "?"), params).fetchall()

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


class _Postgres:
    def __init__(self, params: dict[str, Any]) -> None:
        self.params = params
        self.connection: Any = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self.opening: asyncio.Lock | None = None

    async def fetch(self, sql: str, params: list[Any]) -> list[tuple]:
        import psycopg

        loop = asyncio.get_running_loop()
        if self.loop is not loop:  # a connection belongs to the loop that opened it
            self.close()
            self.loop, self.opening = loop, asyncio.Lock()
        assert self.opening is not None
        async with self.opening:
            if self.connection is None or self.connection.closed:
                self.connection = await psycopg.AsyncConnection.connect(
                    **self.params, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S
                )
        cursor = await self.connection.execute(sql, params)
        return await cursor.fetchall()

    def close(self) -> None:
        if self.connection is not None:
            # Synchronous, so it works whether or not the loop that opened it still runs.
            self.connection.pgconn.finish()
            self.connection = None


def _reader_for(alias: str = "default") -> _Sqlite | _Postgres | None:
    wrapper = connections[alias]
    settings = wrapper.settings_dict
    if wrapper.vendor == "sqlite":
        name = str(settings["NAME"])
        if name == ":memory:" or "mode=memory" in name:
            return None
        return _Sqlite(name)
    if wrapper.vendor == "postgresql":
        params = {
            key: value
            for key, value in wrapper.get_connection_params().items()
            if key not in {"cursor_factory", "context", "pool"}
        }
        return _Postgres(params)
    return None


class LoopDatabase:
    """``await database.fetch(sql, params)``: the rows, or :data:`ASK_DJANGO`."""

    def __init__(self) -> None:
        self._reader: _Sqlite | _Postgres | None = None
        self._database: tuple | None = None
        self._resting_until = 0.0

    async def fetch(self, sql: str, params: list[Any]) -> list[tuple] | object:
        if time.monotonic() < self._resting_until:
            return ASK_DJANGO
        reader = self._current_reader()
        if reader is None:
            return ASK_DJANGO
        try:
            return await reader.fetch(sql, params)
        except Exception:  # noqa: BLE001 - any failure here is Django's to meet and answer
            logger.info("reading on the event loop failed; Django reads", exc_info=True)
            self.close()
            self._resting_until = time.monotonic() + RETRY_AFTER_S
            return ASK_DJANGO

    def in_process(self) -> bool:
        """Whether the database works in this process (SQLite) rather than in a server."""
        return isinstance(self._current_reader(), _Sqlite)

    def _current_reader(self) -> _Sqlite | _Postgres | None:
        settings = connections["default"].settings_dict
        database = (settings["ENGINE"], str(settings["NAME"]), settings.get("HOST"))
        if database != self._database:  # the test runner renames the database
            self.close()
            self._database = database
            self._reader = _reader_for()
        return self._reader

    def close(self) -> None:
        if self._reader is not None:
            self._reader.close()
        self._reader = None
        self._database = None


database = LoopDatabase()


async def shop_state(slug: str) -> tuple[int, int, int, bool] | object:
    """The shop's ``(id, stock_version, page_version, is_active)``, or :data:`ASK_DJANGO`
    (also for a slug it does not find: not committed yet, or not there; Django decides)."""
    if not database.in_process():
        return await _shop_rounds.get(slug)
    rows = await database.fetch(SHOP_STATE_SQL, [slug])
    if rows is ASK_DJANGO or not rows:
        return ASK_DJANGO
    row = rows[0]
    return (row[0], row[1], row[2], bool(row[3]))


class _ReadRounds:
    """A database server's reads, made in rounds: one statement for every request that
    arrived while the one before it ran, so under load a read costs a share of one round
    trip instead of one each. Every request's read starts after it arrived (it waits for the
    next round, never joins one already sent), so it sees every change committed before it.

    ``read_round(keys)`` makes one round's statement and answers each key it can."""

    def __init__(self, read_round: Callable[[list], Awaitable[dict]]) -> None:
        self._read_round = read_round
        self._waiting: dict[Any, list[asyncio.Future]] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task | None = None

    async def get(self, key: Any) -> object:
        """What the next round answers for ``key``, or :data:`ASK_DJANGO`."""
        loop = asyncio.get_running_loop()
        if self._loop is not loop:  # a round in flight belongs to the loop that sent it
            self._loop, self._waiting, self._task = loop, {}, None
        future = loop.create_future()
        self._waiting.setdefault(key, []).append(future)
        if self._task is None:
            self._task = loop.create_task(self._read())
        return await future

    async def _read(self) -> None:
        answered: dict[Any, list[asyncio.Future]] = {}
        try:
            while self._waiting:
                answered, self._waiting = self._waiting, {}
                found = await self._read_round(list(answered))
                for key, futures in answered.items():
                    _answer(futures, found.get(key, ASK_DJANGO))
                answered = {}
        finally:
            self._task = None
            for futures in (*answered.values(), *self._waiting.values()):
                _answer(futures, ASK_DJANGO)
            self._waiting = {}


def _answer(futures: list[asyncio.Future], state: object) -> None:
    for future in futures:
        if not future.done():
            future.set_result(state)


SHOPS_STATE_SQL = (
    "SELECT slug, id, stock_version, page_version, is_active "  # noqa: S608
    f"FROM {Shop._meta.db_table} WHERE slug = ANY(%s)"
)


async def _shop_states(slugs: list[str]) -> dict[str, tuple[int, int, int, bool]]:
    rows = await database.fetch(SHOPS_STATE_SQL, [slugs])
    if rows is ASK_DJANGO:
        return {}
    return {row[0]: (row[1], row[2], row[3], bool(row[4])) for row in rows}  # type: ignore[union-attr]


# Not found any more (the areas moved, a shop went): search again.
STALE: Final = object()


async def _found_states(founds: list[page_cache.Found]) -> dict[page_cache.Found, object]:
    ids = sorted({shop_id for found in founds for shop_id in found.shop_ids})
    rows = await database.fetch(page_cache.FOUND_AGAIN_ANY_SQL, [ids])
    if rows is ASK_DJANGO:
        return {}
    states = {}
    for found in founds:
        state = page_cache.state_if_still_found(found, rows)  # type: ignore[arg-type]
        states[found] = STALE if state is None else state
    return states


_shop_rounds = _ReadRounds(_shop_states)
_found_rounds = _ReadRounds(_found_states)


async def nearby_state(lat: float, lng: float, limit: int) -> tuple[tuple, list | None] | object:
    """The ``(id, stock_version, page_version)`` of each shop a nearby search finds, in the
    order it lists them, with the shops found when it searched (None when it did not), or
    :data:`ASK_DJANGO`.

    A repeat at a point whose service areas have not changed since is one short statement
    (``page_cache.found_again_sql``), on either database (on PostgreSQL in rounds). The
    search itself runs here on SQLite only: PostgreSQL's side of it is about a millisecond of
    the server's work, and Django's worker threads run searches side by side on their own
    connections, where the loop's one connection would queue them (bench: 463 against 292
    req/s)."""
    point = (lat, lng)
    found = page_cache.found_nearby.get(point)
    if found is not None:
        if database.in_process():
            rows = await database.fetch(*page_cache.found_again_sql(found))
            state = (
                rows if rows is ASK_DJANGO else page_cache.state_if_still_found(found, rows)  # type: ignore[arg-type]
            )
        else:
            state = await _found_rounds.get(found)
        if state is ASK_DJANGO:
            return ASK_DJANGO
        if state is not None and state is not STALE:
            return state, None
        # Whoever searches next (here, or Django's thread on PostgreSQL) need not ask again.
        page_cache.found_nearby.forget(point, found)
    if not database.in_process():
        return ASK_DJANGO
    areas_rows = await database.fetch(page_cache.AREAS_VERSION_SQL, [])
    sql, params = nearby_candidates_sql(lat, lng)
    rows = await database.fetch(sql, params)
    if rows is ASK_DJANGO or areas_rows is ASK_DJANGO:
        return ASK_DJANGO
    hits = nearby_among(lat, lng, rows, limit)  # type: ignore[arg-type]
    state = tuple((hit.id, hit.stock_version, hit.page_version) for hit in hits)
    page_cache.keep_found(point, areas_rows, state)  # type: ignore[arg-type]
    return state, hits
