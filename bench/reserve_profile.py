"""One reservation in-process against its floor, on SQLite and PostgreSQL, with its SQL.

`python bench/reserve_profile.py [-n 300] [--only sqlite|postgresql] [--profile]`

For each database (a scratch SQLite file; the scratch PostgreSQL database `t19res_bench` on
BENCH_PG_URL's server, default postgres://postgres@127.0.0.1:5432/postgres, created and dropped
here) it migrates, makes one shop with a large listing and a partner café, and times, exactly as
bench/http_floor.py does, `pickup.services.reservations.reserve` against the floor: a bare ORM
conditional update of the count plus a StockEvent insert in one transaction. It prints ms per
reservation (wall clock, best of three rounds; and this process's CPU time, which other jobs on
a shared machine disturb less, PostgreSQL's own work not included), the floor, the ratios, and
the SQL statements of one reservation (listed once), and those statements alone replayed as
sent in a rolled-back transaction: the least any rewrite that keeps them could cost. Last, it
adds to those statements what any implementation has to run besides them (a commit, the
contract's messages built and encoded, the after-commit broadcast hop, the checks of the input),
each timed alone, and prints that least cost against the goal of 3× the floor.
`--profile` adds a pyinstrument profile of 200 reservations (`pip install pyinstrument`).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import daphne_pool

ROOT = Path(__file__).resolve().parent.parent
PG_NAME = os.environ.get("BENCH_PG_NAME", "t19res_bench")


def child(n: int, profile: bool) -> None:
    """Runs inside a process whose environment names the database."""
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.db.models import F
    from django.test.utils import CaptureQueriesContext

    from livestock import services
    from livestock.models import Listing, StockEvent
    from pickup.services import reservations
    from shops.models import Shop
    from tests.factories import make_cafe

    call_command("migrate", "--noinput", verbosity=0)
    shop = Shop.objects.create(
        slug="bench-reserve", name="벤치 과일가게", lat=37.5559, lng=126.9019
    )
    listing, _ = services.post_arrival(
        shop=shop, name="단감", unit="팩", available=10**6, price=9000, pickup_price=7900
    )
    point = make_cafe(shop, "벤치 카페")
    versions = itertools.count(10**7)
    phones = (f"010-{7000 + i // 10000:04d}-{i % 10000:04d}" for i in range(10**6))

    def reserve() -> Any:
        return reservations.reserve(
            shop=shop,
            listing_id=listing.pk,
            quantity=1,
            pickup_point_id=point.pk,
            name="손님",
            phone=next(phones),
        )[0]

    def floor() -> None:
        with transaction.atomic():
            Listing.objects.filter(pk=listing.pk, available__gte=1).update(
                available=F("available") - 1
            )
            StockEvent.objects.create(
                shop_id=shop.pk,
                listing_id=listing.pk,
                version=next(versions),
                delta=-1,
                available_after=0,
                reason="reserved",
                payload={},
            )

    for fn in (reserve, floor):
        for _ in range(20):
            fn()
    best: dict[str, float] = {}
    for name, fn in (("reserve", reserve), ("floor", floor)) * 3:
        start, cpu = time.perf_counter(), time.process_time()
        for _ in range(n):
            fn()
        per = (time.perf_counter() - start) / n
        per_cpu = (time.process_time() - cpu) / n
        best[name] = min(best.get(name, per), per)
        best[f"{name}_cpu"] = min(best.get(f"{name}_cpu", per_cpu), per_cpu)
    with CaptureQueriesContext(connection) as queries:
        reserve()
    with CaptureQueriesContext(connection) as floor_queries:
        floor()

    def replayed(captured: list[dict]) -> Callable[[], None]:
        """The statements alone, as sent, without the Python that chose them: a lower bound
        for any rewrite of the path that keeps them (rolled back, which costs less than a
        commit, so the same rows can be written again)."""
        statements = [
            q["sql"] for q in captured if q["sql"].split(" ", 1)[0] not in {"BEGIN", "COMMIT"}
        ]

        def run() -> None:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    for sql in statements:
                        cursor.execute(sql)
                transaction.set_rollback(True)

        return run

    def one_write(rolled_back: bool) -> Callable[[], None]:
        """One small write in a transaction; committed less rolled back is what a commit
        costs more than the rollback the replays end with."""
        table = connection.ops.quote_name(Shop._meta.db_table)

        def run() -> None:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute(f'UPDATE {table} SET "name" = "name" WHERE "id" = %s', [shop.pk])
                transaction.set_rollback(rolled_back)

        return run

    messages, broadcast, checks = least_python(shop, listing, point, phones, reserve)
    # Captured again inside a transaction rolled back, so the rows they insert (versions,
    # pickup codes) are free to be inserted by the replays.
    with transaction.atomic(), CaptureQueriesContext(connection) as to_replay:
        reserve()
        transaction.set_rollback(True)
    with transaction.atomic(), CaptureQueriesContext(connection) as floor_to_replay:
        floor()
        transaction.set_rollback(True)
    raw_reserve = replayed(to_replay.captured_queries)
    raw_floor = replayed(floor_to_replay.captured_queries)
    timed = (
        ("raw_reserve", raw_reserve),
        ("raw_floor", raw_floor),
        ("messages", messages),
        ("broadcast", broadcast),
        ("checks", checks),
        ("committed", one_write(False)),
        ("rolled_back", one_write(True)),
    )
    for name, fn in timed * 3:
        start = time.perf_counter()
        for _ in range(n):
            fn()
        best[name] = min(best.get(name, 1e9), (time.perf_counter() - start) / n)
    best["commit"] = max(0.0, best["committed"] - best["rolled_back"])
    best["broadcast_served"] = broadcast_as_served(broadcast, n)
    best["statements"], best["floor_statements"] = len(queries), len(floor_queries)
    print(f"RESULT {json.dumps(best)}")
    for query in queries.captured_queries:
        sql = re.sub(r"\s+", " ", query["sql"])
        print(f"SQL {float(query['time']) * 1e3:6.2f} ms  {sql[:240]}")
    if profile:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.0002)
        with profiler:
            for _ in range(200):
                reserve()
        print(profiler.output_text(unicode=True, color=False, show_all=False))


def least_python(
    shop: Any, listing: Any, point: Any, phones: Iterator[str], reserve: Callable[[], Any]
) -> tuple[Callable[[], None], Callable[[], None], Callable[[], None]]:
    """Three parts of a reservation that any implementation has to run besides its
    statements, each in the cheapest form this code base has for it:

    - the messages: the listing's and the reservation's payloads built by the project's own
      functions (they are the public contract of the live streams and the webhooks) and
      encoded as the stock event and the two reservation events store them (the shop here has
      no webhook endpoint, so nothing goes to the outbox);
    - the broadcast: the four after-commit sends of a reservation, in the one hop to the
      event loop that `realtime.publish.send_now` makes;
    - the checks of what the customer typed: quantity, name, phone, ids, day, a new pickup
      code and the keyed phone.
    """
    from django.utils import timezone

    from livestock.models import Listing
    from livestock.payloads import listing_payload, stock_message
    from livestock.streams import shop_group
    from pickup.clients import customer_key
    from pickup.codes import new_code
    from pickup.payloads import (
        reservation_payload,
        reservation_pos_payload,
        reservation_staff_payload,
    )
    from pickup.services import reservations
    from pickup.services.checks import check_id
    from pickup.services.windows import check_pickup_date
    from pickup.streams import owner_group, place_group, reservation_group, reservation_message
    from realtime.publish import send_now

    reservation = reserve()
    loaded = Listing.objects.prefetch_related("options").get(pk=listing.pk)
    today = timezone.localtime().date()
    sends: list[tuple[str, dict[str, Any]]] = []

    def messages() -> None:
        listing_part = listing_payload(loaded)
        public = reservation_payload(reservation)
        staff = reservation_staff_payload(reservation)
        reservation_pos_payload(reservation)  # the reservation.created event's data
        sends[:] = [
            (shop_group(shop.pk), stock_message(shop.slug, 2, listing_part)),
            (reservation_group(reservation.pk), reservation_message(1, public)),
            (owner_group(shop.pk), reservation_message(2, staff)),
            (place_group(point.place_id), reservation_message(2, staff)),
        ]
        json.dumps(listing_part)
        json.dumps(staff)
        json.dumps(staff)

    def broadcast() -> None:
        send_now(sends)

    def checks() -> None:
        reservations._check_quantity(1)
        reservations._check_name("손님")
        phone = reservations._check_phone(next(phones))
        check_id(listing.pk, code="listing_not_found", detail="")
        check_id(point.pk, code="pickup_point_not_found", detail="")
        check_pickup_date(value=None, today=today)
        new_code()
        customer_key(shop_id=shop.pk, phone=phone)

    messages()
    return messages, broadcast, checks


def broadcast_as_served(broadcast: Callable[[], None], n: int) -> float:
    """The broadcast hop as daphne makes it: from a worker thread, while the event loop runs
    (the loop is there already, so the hop costs no new thread and loop)."""
    import asyncio

    from asgiref.sync import sync_to_async

    def timed() -> float:
        fastest = 1e9
        for _ in range(3):
            start = time.perf_counter()
            for _ in range(n):
                broadcast()
            fastest = min(fastest, (time.perf_counter() - start) / n)
        return fastest

    async def served() -> float:
        return await sync_to_async(timed)()

    return asyncio.run(served())


def run(label: str, database_url: str, n: int, profile: bool) -> dict:
    env = daphne_pool.django_env(database_url)
    command = [sys.executable, __file__, "--child", "-n", str(n)] + (
        ["--profile"] if profile else []
    )
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"{label} failed:\n{result.stderr[-3000:]}")
    out = result.stdout
    found = json.loads(re.search(r"^RESULT (.*)$", out, re.MULTILINE).group(1))
    return {
        "label": label,
        **{
            f"{name}_ms": found[name] * 1e3
            for name in (
                "reserve",
                "floor",
                "reserve_cpu",
                "floor_cpu",
                "raw_reserve",
                "raw_floor",
                "messages",
                "broadcast",
                "checks",
                "commit",
                "broadcast_served",
            )
        },
        "statements": found["statements"],
        "floor_statements": found["floor_statements"],
        "sql": [line[4:] for line in out.splitlines() if line.startswith("SQL ")],
        "profile": out[out.find("Recorded:") :] if profile else "",
        "raw": out,
    }


def pg_admin_url() -> str:
    admin = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    return urlunsplit(urlsplit(admin)._replace(scheme="postgresql"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=300, help="reservations per timed round (3 rounds)")
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.n, args.profile)
        return 0
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    results = []
    if args.only != "postgresql":
        with tempfile.TemporaryDirectory() as scratch:
            results.append(
                run("SQLite", f"sqlite:///{scratch}/bench.sqlite3", args.n, args.profile)
            )
    if args.only != "sqlite":
        import psycopg

        admin = pg_admin_url()
        with psycopg.connect(admin, autocommit=True, connect_timeout=3) as db:
            db.execute(f'DROP DATABASE IF EXISTS "{PG_NAME}" WITH (FORCE)')
            db.execute(f'CREATE DATABASE "{PG_NAME}"')
        try:
            url = urlunsplit(urlsplit(admin)._replace(path=f"/{PG_NAME}"))
            results.append(run("PostgreSQL", url, args.n, args.profile))
        finally:
            with psycopg.connect(admin, autocommit=True) as db:
                db.execute(f'DROP DATABASE IF EXISTS "{PG_NAME}" WITH (FORCE)')
    for r in results:
        print(f"\n## {r['label']}: {r['statements']} statements per reservation")
        for line in r["sql"]:
            print(f"  {line}")
        if r["profile"]:
            print(r["profile"])
    print(
        f"\n{'database':<11} {'reserve ms':>10} {'floor ms':>9} {'ratio':>6}"
        f" {'CPU ms':>7} {'floor CPU':>9} {'CPU ratio':>9} {'SQL':>4} {'floor SQL':>9}"
    )
    for r in results:
        print(
            f"{r['label']:<11} {r['reserve_ms']:>10.2f} {r['floor_ms']:>9.2f}"
            f" {r['reserve_ms'] / r['floor_ms']:>6.1f} {r['reserve_cpu_ms']:>7.2f}"
            f" {r['floor_cpu_ms']:>9.2f} {r['reserve_cpu_ms'] / r['floor_cpu_ms']:>9.1f}"
            f" {r['statements']:>4} {r['floor_statements']:>9}"
        )
    print(
        "\nThe statements alone, replayed as sent in a rolled-back transaction (no Python of"
        " the path):"
    )
    for r in results:
        print(
            f"{r['label']:<11} reservation's {r['statements']} statements"
            f" {r['raw_reserve_ms']:.2f} ms = {r['raw_reserve_ms'] / r['floor_ms']:.1f}× the"
            f" floor; the floor's own statements replayed {r['raw_floor_ms']:.2f} ms"
        )
    print(
        "\nThe least any implementation could cost: those statements, plus what it has to run"
        " besides them\n(a commit rather than a rollback, the messages built and encoded, the"
        " after-commit broadcast hop, the checks of what was typed):"
    )
    for r in results:
        least = sum(
            r[f"{part}_ms"] for part in ("raw_reserve", "commit", "messages", "broadcast", "checks")
        )
        print(
            f"{r['label']:<11} {r['raw_reserve_ms']:.2f} + commit {r['commit_ms']:.2f}"
            f" + messages {r['messages_ms']:.2f}"
            f" + broadcast {r['broadcast_ms']:.2f} + checks {r['checks_ms']:.2f}"
            f" = {least:.2f} ms = {least / r['floor_ms']:.1f}× the floor"
            f" (the goal: {3 * r['floor_ms']:.2f} ms)"
        )
        served = least - r["broadcast_ms"] + r["broadcast_served_ms"]
        print(
            f"{'':<11} with the hop as daphne makes it ({r['broadcast_served_ms']:.2f} ms, from a"
            f" worker thread while its loop runs): {served:.2f} ms = {served / r['floor_ms']:.1f}×"
        )
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
