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
sent in a rolled-back transaction: the least any rewrite that keeps them could cost.
`--profile` adds a pyinstrument profile of 200 reservations (`pip install pyinstrument`).
"""

from __future__ import annotations

import argparse
import itertools
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
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

    def reserve() -> None:
        reservations.reserve(
            shop=shop,
            listing_id=listing.pk,
            quantity=1,
            pickup_point_id=point.pk,
            name="손님",
            phone=next(phones),
        )

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
    for name, fn in (("raw_reserve", raw_reserve), ("raw_floor", raw_floor)) * 3:
        start = time.perf_counter()
        for _ in range(n):
            fn()
        best[name] = min(best.get(name, 1e9), (time.perf_counter() - start) / n)
    print(
        f"RESULT {best['reserve']} {best['floor']} {len(queries)} {len(floor_queries)}"
        f" {best['reserve_cpu']} {best['floor_cpu']} {best['raw_reserve']} {best['raw_floor']}"
    )
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


def run(label: str, database_url: str, n: int, profile: bool) -> dict:
    env = daphne_pool.django_env(database_url)
    command = [sys.executable, __file__, "--child", "-n", str(n)] + (
        ["--profile"] if profile else []
    )
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"{label} failed:\n{result.stderr[-3000:]}")
    out = result.stdout
    found = re.search(r"RESULT (\S+) (\S+) (\d+) (\d+) (\S+) (\S+) (\S+) (\S+)", out)
    reserve_s, floor_s, statements, floor_statements, reserve_cpu, floor_cpu = found.groups()[:6]
    raw_reserve, raw_floor = found.groups()[6:]
    return {
        "label": label,
        "reserve_ms": float(reserve_s) * 1e3,
        "floor_ms": float(floor_s) * 1e3,
        "reserve_cpu_ms": float(reserve_cpu) * 1e3,
        "floor_cpu_ms": float(floor_cpu) * 1e3,
        "statements": int(statements),
        "floor_statements": int(floor_statements),
        "raw_reserve_ms": float(raw_reserve) * 1e3,
        "raw_floor_ms": float(raw_floor) * 1e3,
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
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
