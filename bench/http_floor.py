"""The requests people make most, against the floors measured in the same run.

`python bench/http_floor.py` (also run by `make bench`). For each database (a scratch SQLite
file; a scratch PostgreSQL database too when one answers at BENCH_PG_URL, default
postgres://postgres@127.0.0.1:5432/postgres) it migrates, loads the demo neighbourhood
(`seed_demo`) plus BENCH_NEARBY_SHOPS (default 100,000) shops spread over Korea, and measures:

* HTTP, one daphne process each, BENCH_CONCURRENCY (default 50) keep-alive connections from a
  minimal asyncio client: a bare ASGI app (bench/bare_asgi.py, the floor), the shop page
  `/s/<slug>/` (a phone's and KakaoTalk's scraper's User-Agent), `GET /api/shops/<slug>`,
  `GET /api/shops/<slug>/stock?since=<v>` and `GET /api/shops/nearby` at a point inside the
  demo neighbourhood (and, for reference, at a new position within 3 km each request, so
  that every one searches). Each row is measured BENCH_ROUNDS (default 3) times, each time right
  after the floor (both servers run throughout; the idle one takes no CPU), and reports the
  medians of its req/s, p50, p95 and of its ratios to the floor measured before it.
* A reservation in-process (`pickup.services.reservations.reserve`) against a bare ORM
  conditional update plus a StockEvent insert in one transaction (the floor).
* A burst over HTTP: BENCH_CUSTOMERS (default 200) customers at once for BENCH_UNITS (default
  100) units; 0 oversold, and the p99 with its ratio to the in-process cost.

It prints the goals of docs/performance.md ("The requests that matter") as met or not, and
the load average. It never fails on a ratio (the machine is shared); it exits 1 on an
oversell or an error status.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import daphne_pool

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "50"))
REQUESTS = int(os.environ.get("BENCH_HTTP_REQUESTS", "1500"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
NEARBY_SHOPS = int(os.environ.get("BENCH_NEARBY_SHOPS", "100000"))
CUSTOMERS = int(os.environ.get("BENCH_CUSTOMERS", "200"))
UNITS = int(os.environ.get("BENCH_UNITS", "100"))
IN_PROCESS = int(os.environ.get("BENCH_RESERVATIONS", "300"))
KAKAO_UA = "facebookexternalhit/1.1;kakaotalk-scrap/1.0;"
PHONE_UA = (
    "Mozilla/5.0 (Linux; Android 14; SM-S921N) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0 Mobile Safari/537.36"
)

# (row, goal: p95 at most this many times the floor's, req/s at least this share of it)
HTTP_GOALS = {
    "shop page": (4, 1 / 4),
    "shop page (KakaoTalk)": (4, 1 / 4),
    "GET /api/shops/<slug>": (3, 1 / 3),
    "GET …/stock?since=": (3, 1 / 3),
    "GET /api/shops/nearby": (5, 1 / 5),
}
RESERVE_GOAL = 3
# Not a goal: Django's own request path (the middleware, one SQL statement, a small JSON
# answer), which a cached answer still takes; it shows how much of a row is the framework's.
DJANGO_FLOOR = "Django + 1 statement (/healthz)"
# Not a goal either: nearby at a position no one asked about before (each request a new one
# within 3 km of the demo shop), so every request searches; the goal's row repeats one point.
NEARBY_NEW = "nearby, a new position each"

SEED = """
import random
from shops.models import Shop
rnd = random.Random(20261203)
have = Shop.objects.filter(slug__startswith="bench-").count()
batch = []
for i in range(have, {count}):
    batch.append(Shop(slug=f"bench-{{i}}", name=f"벤치 가게 {{i}}",
                      lat=rnd.uniform(33.1, 38.6), lng=rnd.uniform(124.6, 130.9)))
    if len(batch) == 5000:
        Shop.objects.bulk_create(batch); batch = []
Shop.objects.bulk_create(batch)
demo = Shop.objects.exclude(slug__startswith="bench-").order_by("pk").first()
print("DEMO", demo.slug, demo.lat, demo.lng, demo.stock_version)
"""

IN_PROCESS_CODE = """
import time
from django.db import transaction
from django.db.models import F
from livestock import services
from livestock.models import Listing, StockEvent
from pickup.services import reservations
from tests.factories import make_cafe
from shops.models import Shop
shop = Shop.objects.create(slug="bench-reserve", name="벤치 과일가게", lat=37.5559, lng=126.9019)
listing, _ = services.post_arrival(shop=shop, name="단감", unit="팩", available=10**6,
                                   price=9000, pickup_price=7900)
point = make_cafe(shop, "벤치 카페")
import itertools
versions = itertools.count(10**7)
phones = (f"010-{{7000 + i // 10000:04d}}-{{i % 10000:04d}}" for i in range(10**6))

def reserve():
    reservations.reserve(shop=shop, listing_id=listing.pk, quantity=1, pickup_point_id=point.pk,
                         name="손님", phone=next(phones))

def floor():
    with transaction.atomic():
        Listing.objects.filter(pk=listing.pk, available__gte=1).update(
            available=F("available") - 1)
        StockEvent.objects.create(shop_id=shop.pk, listing_id=listing.pk, version=next(versions), delta=-1,
                                  available_after=0, reason="reserved", payload={{}})

for fn in (reserve, floor):
    for _ in range(20):
        fn()
best = {{}}
for name, fn in (("reserve", reserve), ("floor", floor)) * 3:
    start = time.perf_counter()
    for _ in range({n}):
        fn()
    per = (time.perf_counter() - start) / {n}
    best[name] = min(best.get(name, per), per)
print("INPROC", best["reserve"], best["floor"])
"""

CHECK = """
from livestock.models import Listing
from pickup.models import Reservation
l = Listing.objects.get(pk={listing_id})
print("CHECK", l.available, Reservation.objects.filter(listing=l).count())
"""

BURST_SETUP = """
from livestock import services
from shops.models import Shop
from tests.factories import make_cafe
shop = Shop.objects.get(slug="{slug}")
listing, _ = services.post_arrival(shop=shop, name="마지막 단감", unit="팩", available={units},
                                   price=9000, pickup_price=7900)
point = make_cafe(shop, "버스트 카페")
print("IDS", listing.pk, point.pk)
"""


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def manage(env: dict[str, str], *args: str, code: str | None = None) -> str:
    command = [PYTHON, "manage.py", *args]
    if code is not None:
        command += ["-c", code]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stderr[-2000:]}")
    return result.stdout


# --- a minimal keep-alive load client ----------------------------------------------------------


async def _read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length, chunked = 0, False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value.strip())
        elif name == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
    if chunked:
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip(), 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    else:
        await reader.readexactly(length)
    return status


async def _connection(
    port: int, request: bytes | Callable[[], bytes], count: int, out: list, statuses: list
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        for _ in range(count):
            start = time.perf_counter()
            writer.write(request() if callable(request) else request)
            await writer.drain()
            statuses.append(await _read_response(reader))
            out.append(time.perf_counter() - start)
    finally:
        writer.close()


def load(
    port: int,
    path: str | Callable[[], str],
    *,
    user_agent: str = PHONE_UA,
    requests: int = REQUESTS,
) -> dict:
    """``path`` is one path, or a function giving the path of each request."""

    def request_to(one: str) -> bytes:
        return (
            f"GET {one} HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: {user_agent}\r\n"
            "Accept: text/html,application/json\r\nAccept-Language: ko-KR,ko;q=0.9\r\n\r\n"
        ).encode()

    request = (lambda: request_to(path())) if callable(path) else request_to(path)

    async def run() -> dict:
        latencies: list[float] = []
        statuses: list[int] = []
        per = max(1, requests // CONCURRENCY)
        start = time.perf_counter()
        await asyncio.gather(
            *(_connection(port, request, per, latencies, statuses) for _ in range(CONCURRENCY))
        )
        elapsed = time.perf_counter() - start
        return {
            "rps": len(latencies) / elapsed,
            "p50": pct(latencies, 0.5) * 1e3,
            "p95": pct(latencies, 0.95) * 1e3,
            "errors": sum(1 for s in statuses if s != 200),
        }

    asyncio.run(_warm(port, request))
    return asyncio.run(run())


async def _warm(port: int, request: bytes | Callable[[], bytes]) -> None:
    await _connection(port, request, 20, [], [])


def wait_ready(servers, port: int, path: str) -> None:
    deadline = time.time() + 40
    while time.time() < deadline:
        if any(server.poll() is not None for server in servers):
            raise RuntimeError("daphne exited at start")
        try:
            statuses: list[int] = []
            asyncio.run(
                _connection(
                    port,
                    f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode(),
                    1,
                    [],
                    statuses,
                )
            )
            if statuses == [200]:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError("daphne did not answer")


def new_positions(lat: float, lng: float) -> Callable[[], str]:
    """Paths of nearby requests, each at a position within ~3 km of (lat, lng) not asked
    about before."""
    rnd = random.Random(20261204)

    def path() -> str:
        return (
            f"/api/shops/nearby?lat={lat + rnd.uniform(-0.027, 0.027):.6f}"
            f"&lng={lng + rnd.uniform(-0.034, 0.034):.6f}"
        )

    return path


def median_of(pairs: list[tuple[dict, dict]]) -> dict:
    """A row's figures over its rounds: the median of each, and of its ratios to the floor
    measured right before it."""
    rows = [row for _floor, row in pairs]
    return {
        "rps": statistics.median(row["rps"] for row in rows),
        "p50": statistics.median(row["p50"] for row in rows),
        "p95": statistics.median(row["p95"] for row in rows),
        "errors": sum(row["errors"] for row in rows),
        "p95_ratio": statistics.median(row["p95"] / floor["p95"] for floor, row in pairs),
        "share": statistics.median(row["rps"] / floor["rps"] for floor, row in pairs),
    }


# --- a burst of reservations -----------------------------------------------------------------------


async def _post(port: int, path: str, body: bytes, go: asyncio.Event) -> tuple[int, float]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode()
    await go.wait()
    start = time.perf_counter()
    writer.write(head + body)
    await writer.drain()
    status = int((await reader.readline()).split()[1])
    await reader.read()
    writer.close()
    return status, time.perf_counter() - start


def burst(port: int, slug: str, listing_id: int, point_id: int) -> dict:
    path = f"/api/shops/{slug}/reservations"

    async def run() -> list[tuple[int, float]]:
        go = asyncio.Event()
        tasks = [
            asyncio.ensure_future(
                _post(
                    port,
                    path,
                    json.dumps(
                        {
                            "listing_id": listing_id,
                            "quantity": 1,
                            "pickup_point_id": point_id,
                            "name": f"손님{i}",
                            "phone": f"010-{6000 + i // 10000:04d}-{i % 10000:04d}",
                        }
                    ).encode(),
                    go,
                )
            )
            for i in range(CUSTOMERS)
        ]
        await asyncio.sleep(0.5)
        go.set()
        return await asyncio.gather(*tasks)

    answers = asyncio.run(run())
    latencies = [elapsed for _status, elapsed in answers]
    statuses = [status for status, _elapsed in answers]
    return {
        "created": statuses.count(201),
        "refused": statuses.count(409),
        "other": len(statuses) - statuses.count(201) - statuses.count(409),
        "p50": pct(latencies, 0.5) * 1e3,
        "p99": pct(latencies, 0.99) * 1e3,
    }


# --- one backend ------------------------------------------------------------------------------------


def run_backend(label: str, database_url: str) -> dict:
    env = daphne_pool.django_env(database_url, PYTHONPATH=f"{ROOT}{os.pathsep}{ROOT / 'bench'}")
    manage(env, "migrate", "--noinput", "-v", "0")
    manage(env, "seed_demo")
    slug, lat, lng, version = re.search(
        r"DEMO (\S+) (\S+) (\S+) (\d+)", manage(env, "shell", code=SEED.format(count=NEARBY_SHOPS))
    ).groups()
    inproc = re.search(
        r"INPROC (\S+) (\S+)", manage(env, "shell", code=IN_PROCESS_CODE.format(n=IN_PROCESS))
    ).groups()
    reserve_ms, floor_ms = (float(x) * 1e3 for x in inproc)
    listing_id, point_id = map(
        int,
        re.search(
            r"IDS (\d+) (\d+)",
            manage(env, "shell", code=BURST_SETUP.format(slug=slug, units=UNITS)),
        ).groups(),
    )
    since = max(0, int(version) - 1)
    paths = {
        DJANGO_FLOOR: ("/healthz", PHONE_UA),
        "shop page": (f"/s/{slug}/", PHONE_UA),
        "shop page (KakaoTalk)": (f"/s/{slug}/", KAKAO_UA),
        "GET /api/shops/<slug>": (f"/api/shops/{slug}", PHONE_UA),
        "GET …/stock?since=": (f"/api/shops/{slug}/stock?since={since}", PHONE_UA),
        "GET /api/shops/nearby": (f"/api/shops/nearby?lat={lat}&lng={lng}", PHONE_UA),
        NEARBY_NEW: (new_positions(float(lat), float(lng)), PHONE_UA),
    }
    rows: dict[str, dict] = {}
    floors: list[dict] = []
    bare, bare_port = daphne_pool.start(env, "bare_asgi:app", 1)
    servers: list = []
    try:
        wait_ready(bare, bare_port, "/")
        servers, port = daphne_pool.start(env, "config.asgi:application", 1)
        wait_ready(servers, port, f"/api/shops/{slug}")
        for name, (path, agent) in paths.items():
            # The floor right before each round of the row (the idle server takes no CPU):
            # a shared machine's speed drifts within a run, so each ratio is of neighbours.
            pairs = []
            for _ in range(ROUNDS):
                floor_round = load(bare_port, "/")
                pairs.append((floor_round, load(port, path, user_agent=agent)))
            floors.extend(floor for floor, _row in pairs)
            rows[name] = median_of(pairs)
        bursted = burst(port, slug, listing_id, point_id)
    finally:
        daphne_pool.stop(bare)
        daphne_pool.stop(servers)
    rows = {"bare ASGI (floor)": median_of([(f, f) for f in floors]), **rows}
    available, reservations = map(
        int,
        re.search(
            r"CHECK (-?\d+) (\d+)", manage(env, "shell", code=CHECK.format(listing_id=listing_id))
        ).groups(),
    )
    bursted["oversold"] = max(0, reservations - UNITS) + max(0, -available)
    return {
        "label": label,
        "rows": rows,
        "reserve_ms": reserve_ms,
        "reserve_floor_ms": floor_ms,
        "burst": bursted,
    }


def report(result: dict) -> bool:
    rows = result["rows"]
    print(f"\n## {result['label']}  (1 daphne process each, {CONCURRENCY} keep-alive connections)")
    print(
        f"{'request':28} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p95×':>6} {'rps share':>9}  goal"
    )
    ok = True
    for name, row in rows.items():
        if name in HTTP_GOALS:
            p95_goal, rps_goal = HTTP_GOALS[name]
            p95_ratio, share = row["p95_ratio"], row["share"]
            met = p95_ratio <= p95_goal and share >= rps_goal
            verdict = f"p95 ≤ {p95_goal}×, ≥ 1/{round(1 / rps_goal)}: {'met' if met else 'NOT met'}"
        elif name == DJANGO_FLOOR:
            p95_ratio, share = row["p95_ratio"], row["share"]
            verdict = "reference: the framework's own path"
        elif name == NEARBY_NEW:
            p95_ratio, share = row["p95_ratio"], row["share"]
            verdict = "reference: every request searches"
        else:
            p95_ratio, share, verdict = 1.0, 1.0, "floor"
        ok = ok and row["errors"] == 0
        print(
            f"{name:28} {row['rps']:8.0f} {row['p50']:8.1f} {row['p95']:8.1f} "
            f"{p95_ratio:6.1f} {share:9.2f}  {verdict}"
            + (f"  ({row['errors']} non-200)" if row["errors"] else "")
        )
    ratio = result["reserve_ms"] / result["reserve_floor_ms"]
    print(
        f"reservation in-process: {result['reserve_ms']:.2f} ms vs floor "
        f"{result['reserve_floor_ms']:.2f} ms (conditional UPDATE + event INSERT): {ratio:.1f}× "
        f"(goal ≤ {RESERVE_GOAL}×: {'met' if ratio <= RESERVE_GOAL else 'NOT met'})"
    )
    b = result["burst"]
    print(
        f"burst over HTTP: {CUSTOMERS} customers for {UNITS} units: {b['created']} created, "
        f"{b['refused']} refused (409), {b['other']} other, {b['oversold']} oversold; "
        f"p50 {b['p50']:.0f} ms, p99 {b['p99']:.0f} ms = {b['p99'] / result['reserve_ms']:.0f}× "
        "the in-process cost"
    )
    return ok and b["oversold"] == 0 and b["other"] == 0


def postgres_url() -> tuple[str, str] | None:
    admin = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    try:
        import psycopg

        name = f"bench_http_{os.getpid()}"
        url = urlunsplit(urlsplit(admin)._replace(scheme="postgresql"))
        with psycopg.connect(url, autocommit=True, connect_timeout=3) as db:
            db.execute(f'CREATE DATABASE "{name}"')
    except Exception as error:  # noqa: BLE001 - no server: SQLite only
        print(f"(PostgreSQL skipped: {error})")
        return None
    return urlunsplit(urlsplit(admin)._replace(path=f"/{name}")), name


def drop_postgres(name: str) -> None:
    import psycopg

    admin = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    url = urlunsplit(urlsplit(admin)._replace(scheme="postgresql"))
    with psycopg.connect(url, autocommit=True) as db:
        db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> int:
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    ok = True
    with tempfile.TemporaryDirectory() as scratch:
        ok &= report(run_backend("SQLite", f"sqlite:///{scratch}/bench.sqlite3"))
    only = os.environ.get("BENCH_ONLY", "")
    if only != "sqlite":
        pg = postgres_url()
        if pg is not None:
            url, name = pg
            try:
                ok &= report(run_backend("PostgreSQL", url))
            finally:
                drop_postgres(name)
    print(f"\nload average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
