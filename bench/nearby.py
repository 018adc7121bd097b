"""Benchmark of the nearby search: `python bench/nearby.py` (also run by `make bench`).

Seeds 1k, 10k and 100k shops spread over South Korea's latitude/longitude range into a
scratch database, then measures, in the same run:

* the query function `shops.selectors.nearby_shops` (p50/p95 over a few hundred points);
* a brute-force baseline: every shop read from the table, the same exact test vectorised;
* the HTTP endpoint `GET /api/shops/nearby` served by daphne (one process per CPU sharing a
  listening socket), 50 requests in flight at a time (and 1 at a time, for the per-request
  cost), and the same load against a bare ASGI app (`bench/bare_asgi.py`): the floor.

SQLite always (a scratch file in /tmp). PostgreSQL too when `BENCH_PG_URL` (or a postgres
`DATABASE_URL`) names a server: a scratch database is created there and dropped after.
Environment: BENCH_SIZES (default "1000,10000,100000"), BENCH_QUERIES (default 400),
BENCH_HTTP_REQUESTS (default 1000), BENCH_CONCURRENCY (default 50), BENCH_PROCESSES (default:
the number of CPUs).
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import daphne_pool

ROOT = Path(__file__).resolve().parent.parent
SIZES = [int(x) for x in os.environ.get("BENCH_SIZES", "1000,10000,100000").split(",")]
QUERIES = int(os.environ.get("BENCH_QUERIES", "400"))
BRUTE_QUERIES = 20
HTTP_REQUESTS = int(os.environ.get("BENCH_HTTP_REQUESTS", "1000"))
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "50"))
PROCESSES = int(os.environ.get("BENCH_PROCESSES", str(os.cpu_count() or 1)))
LAT_RANGE = (33.1, 38.6)
LNG_RANGE = (124.6, 130.9)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


# --- the child: one backend, all sizes ---------------------------------------------------------


def child(db_url: str) -> None:
    os.environ.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL=db_url,
        DEBUG="0",
        SECRET_KEY="bench-only-secret",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        LOG_LEVEL="WARNING",
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    import numpy as np
    from django.core.management import call_command
    from django.db import connection

    from shops import geo
    from shops.models import Shop
    from shops.selectors import nearby_shops

    call_command("migrate", verbosity=0)
    rnd = random.Random(20261122)
    results = {"vendor": connection.vendor, "sizes": []}
    seeded = 0

    def brute_force(lat: float, lng: float) -> list[tuple[int, float]]:
        rows = list(
            Shop.objects.filter(is_active=True)
            .order_by()
            .values_list("id", "lat", "lng", "service_radius_m", "service_polygon")
        )
        polygons = [geo.polygon_geometry(r[4]) if r[4] else None for r in rows]
        inside, meters = geo.contains_many(
            lat, lng, [r[1] for r in rows], [r[2] for r in rows], [r[3] for r in rows], polygons
        )
        return sorted((rows[i][0], float(meters[i])) for i in np.flatnonzero(inside))

    for size in SIZES:
        shops = []
        for i in range(seeded, size):
            lat, lng = rnd.uniform(*LAT_RANGE), rnd.uniform(*LNG_RANGE)
            pick = rnd.random()
            radius = (
                5000
                if pick < 0.7
                else rnd.randint(300, 5000)
                if pick < 0.9
                else rnd.randint(5000, 20000)
            )
            polygon = None
            if rnd.random() < 0.02:  # a few owners draw a polygon
                half = radius * 0.6 / 111_000
                polygon = {
                    "type": "Polygon",
                    "coordinates": [
                        [
                            [lng - half, lat - half],
                            [lng + half, lat - half / 3],
                            [lng + half, lat + half],
                            [lng - half, lat + half],
                            [lng - half, lat - half],
                        ]
                    ],
                }
            shops.append(
                Shop(
                    slug=f"bench-{i}",
                    name=f"벤치 가게 {i}",
                    lat=lat,
                    lng=lng,
                    service_radius_m=radius,
                    service_polygon=polygon,
                )
            )
        Shop.objects.bulk_create(shops, batch_size=2000)
        seeded = size
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        if connection.vendor == "postgresql":
            connection.ensure_connection()
            old = connection.connection.autocommit
            connection.connection.autocommit = True
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE shops_shop")
            connection.connection.autocommit = old

        coords = list(Shop.objects.order_by("?").values_list("lat", "lng")[:QUERIES])
        points = []
        for i in range(QUERIES):
            if i % 2 == 0 and coords:  # where shops are: a customer within 3 km of one
                lat, lng = coords[i % len(coords)]
                points.append(geo.destination(lat, lng, rnd.uniform(0, 360), rnd.uniform(0, 3000)))
            else:  # anywhere in the range
                points.append((rnd.uniform(*LAT_RANGE), rnd.uniform(*LNG_RANGE)))
        for lat, lng in points[:50]:
            nearby_shops(lat, lng)
        timings, hits = [], 0
        for lat, lng in points:
            start = time.perf_counter()
            found = nearby_shops(lat, lng)
            timings.append(time.perf_counter() - start)
            hits += len(found)
        brute, mismatches = [], 0
        for lat, lng in points[:BRUTE_QUERIES]:
            start = time.perf_counter()
            slow = brute_force(lat, lng)
            brute.append(time.perf_counter() - start)
            fast = sorted((hit.id, hit.distance_m) for hit in nearby_shops(lat, lng))
            if [s[0] for s in slow] != [f[0] for f in fast]:
                mismatches += 1
        http_points = [p for p in points if p][:200]
        entry = {
            "shops": size,
            "query_p50_ms": pct(timings, 0.5) * 1e3,
            "query_p95_ms": pct(timings, 0.95) * 1e3,
            "query_mean_ms": statistics.fmean(timings) * 1e3,
            "hits_per_query": hits / len(points),
            "brute_p50_ms": pct(brute, 0.5) * 1e3,
            "brute_p95_ms": pct(brute, 0.95) * 1e3,
            "brute_mismatches": mismatches,
        }
        entry.update(http_bench(db_url, http_points))
        results["sizes"].append(entry)
        print(json.dumps({"progress": entry}), file=sys.stderr, flush=True)
    print(json.dumps(results))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def _fetch_loop(
    port: int, paths: list[str], latencies: list[float], errors: list[str]
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        for path in paths:
            request = (
                f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json\r\n\r\n"
            ).encode()
            start = time.perf_counter()
            writer.write(request)
            await writer.drain()
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            length = 0
            chunked = False
            for line in head.split(b"\r\n"):
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value.strip())
                if name.strip().lower() == b"transfer-encoding" and b"chunked" in value.lower():
                    chunked = True
            if chunked:
                while True:
                    size = int((await reader.readuntil(b"\r\n")).strip(), 16)
                    await reader.readexactly(size + 2)
                    if size == 0:
                        break
            else:
                await reader.readexactly(length)
            latencies.append(time.perf_counter() - start)
            if status != 200:
                errors.append(str(status))
    finally:
        writer.close()


async def _load(
    port: int, paths: list[str], concurrency: int
) -> tuple[list[float], list[str], float]:
    latencies: list[float] = []
    errors: list[str] = []
    chunks = [paths[i::concurrency] for i in range(concurrency)]
    start = time.perf_counter()
    await asyncio.gather(
        *(_fetch_loop(port, chunk, latencies, errors) for chunk in chunks if chunk)
    )
    return latencies, errors, time.perf_counter() - start


def wait_ready(servers: list[subprocess.Popen], port: int, path: str) -> None:
    deadline = time.time() + 30
    while True:
        if any(server.poll() is not None for server in servers):
            raise RuntimeError("daphne exited at start")
        try:
            _latencies, errors, _ = asyncio.run(_load(port, [path], 1))
            if not errors:
                return
        except OSError:
            pass
        if time.time() > deadline:
            raise RuntimeError("daphne did not start")
        time.sleep(0.2)


def http_bench(db_url: str, points: list[tuple[float, float]]) -> dict:
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "DEBUG": "0",
        "SECRET_KEY": "bench-only-secret",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOG_LEVEL": "WARNING",
    }
    servers, port = daphne_pool.start(env, "config.asgi:application", PROCESSES)
    try:
        wait_ready(servers, port, "/api/shops/nearby?lat=0&lng=0")
        paths = [f"/api/shops/nearby?lat={lat:.6f}&lng={lng:.6f}" for lat, lng in points]
        paths = (paths * (HTTP_REQUESTS // max(1, len(paths)) + 1))[:HTTP_REQUESTS]
        asyncio.run(_load(port, paths[:100], 10))  # warm up every process
        one, errors_one, _ = asyncio.run(_load(port, paths[:200], 1))
        many, errors_many, elapsed = asyncio.run(_load(port, paths, CONCURRENCY))
        empty = ["/api/shops/nearby?lat=0&lng=0"] * HTTP_REQUESTS
        floor, _errors_floor, _ = asyncio.run(_load(port, empty, CONCURRENCY))
        return {
            "http_c1_p50_ms": pct(one, 0.5) * 1e3,
            "http_c1_p95_ms": pct(one, 0.95) * 1e3,
            "http_p50_ms": pct(many, 0.5) * 1e3,
            "http_p95_ms": pct(many, 0.95) * 1e3,
            "http_rps": len(many) / elapsed,
            "http_errors": len(errors_one) + len(errors_many),
            "http_floor_p95_ms": pct(floor, 0.95) * 1e3,
        }
    finally:
        daphne_pool.stop(servers)


def bare_asgi_floor() -> dict:
    """The same load against an ASGI app that does nothing (bench/bare_asgi.py)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "bench")}
    servers, port = daphne_pool.start(env, "bare_asgi:app", PROCESSES)
    try:
        wait_ready(servers, port, "/")
        asyncio.run(_load(port, ["/"] * 200, 10))
        latencies, errors, elapsed = asyncio.run(
            _load(port, ["/"] * HTTP_REQUESTS * 5, CONCURRENCY)
        )
        return {
            "p50_ms": pct(latencies, 0.5) * 1e3,
            "p95_ms": pct(latencies, 0.95) * 1e3,
            "rps": len(latencies) / elapsed,
            "errors": len(errors),
        }
    finally:
        daphne_pool.stop(servers)


# --- the parent: backends, scratch databases, the table -------------------------------------


def pg_scratch(url: str) -> tuple[str, str, str]:
    parts = urlsplit(url)
    name = f"bench_nearby_{os.getpid()}"
    admin = urlunsplit((parts.scheme, parts.netloc, "/postgres", "", ""))
    scratch = urlunsplit((parts.scheme, parts.netloc, f"/{name}", "", ""))
    return admin, scratch, name


def pg_admin(admin_url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(
        admin_url.replace("postgres://", "postgresql://", 1), autocommit=True
    ) as conn:
        conn.execute(sql)


def run_backend(label: str, db_url: str) -> dict:
    proc = subprocess.run(
        [sys.executable, __file__, "--child", db_url],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=None,
        text=True,
        check=True,
    )
    data = json.loads(proc.stdout.strip().splitlines()[-1])
    data["label"] = label
    return data


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} CPUs, Python {platform.python_version()}, {platform.system()}"


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        child(sys.argv[2])
        return
    started = time.time()
    runs = []
    with tempfile.TemporaryDirectory(prefix="dongne5km-bench-nearby-") as tmp:
        runs.append(run_backend("SQLite", f"sqlite:///{tmp}/bench.sqlite3"))
    pg_url = os.environ.get("BENCH_PG_URL") or (
        os.environ.get("DATABASE_URL", "")
        if os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))
        else ""
    )
    if pg_url:
        admin, scratch, name = pg_scratch(pg_url)
        pg_admin(admin, f'CREATE DATABASE "{name}"')
        try:
            runs.append(run_backend("PostgreSQL", scratch))
        finally:
            pg_admin(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        print("(PostgreSQL skipped: set BENCH_PG_URL=postgres://user@host:5432/any to include it)")

    bare = bare_asgi_floor()
    print(f"\nNearby search — {machine()}")
    print(
        f"{QUERIES} query points per size (half within 3 km of a shop, half anywhere); "
        f"brute force over {BRUTE_QUERIES}; HTTP: {HTTP_REQUESTS} requests, "
        f"{CONCURRENCY} in flight, {PROCESSES} daphne process(es) on one socket\n"
    )
    header = (
        f"{'backend':<11}{'shops':>8}{'hits/q':>8} | {'query p50':>10}{'p95':>8} | "
        f"{'brute p50':>10}{'p95':>9}{'×':>6} | {'HTTP c=1 p95':>13} | "
        f"{'HTTP c=' + str(CONCURRENCY) + ' p50':>14}{'p95':>8}{'req/s':>7}"
        f"{'empty p95':>10}"
    )
    print(header)
    print("-" * len(header))
    for run in runs:
        for row in run["sizes"]:
            print(
                f"{run['label']:<11}{row['shops']:>8}{row['hits_per_query']:>8.1f} | "
                f"{row['query_p50_ms']:>8.2f}ms{row['query_p95_ms']:>6.2f}ms | "
                f"{row['brute_p50_ms']:>8.1f}ms{row['brute_p95_ms']:>7.1f}ms"
                f"{row['brute_p50_ms'] / row['query_p50_ms']:>6.0f} | "
                f"{row['http_c1_p95_ms']:>11.1f}ms | "
                f"{row['http_p50_ms']:>12.1f}ms{row['http_p95_ms']:>6.1f}ms"
                f"{row['http_rps']:>7.0f}{row['http_floor_p95_ms']:>8.1f}ms"
            )
            if row["brute_mismatches"] or row["http_errors"]:
                print(
                    f"  !! {row['brute_mismatches']} answers differ from brute force, "
                    f"{row['http_errors']} HTTP errors"
                )
    print(
        "\n× = brute-force p50 / query p50. 'empty p95' = the same endpoint at a point with "
        "no shops (the framework's own floor at that concurrency)."
    )
    print(
        f"bare ASGI app (no Django, no database) on the same daphne setup, {CONCURRENCY} in "
        f"flight: p50 {bare['p50_ms']:.1f} ms, p95 {bare['p95_ms']:.1f} ms, "
        f"{bare['rps']:.0f} req/s: the least any answer costs here at that concurrency."
    )
    biggest = [(run["label"], run["sizes"][-1]) for run in runs]
    for label, row in biggest:
        query_ok = row["query_p95_ms"] <= 2.0
        http_ok = row["http_p95_ms"] <= 20.0
        print(
            f"goal {label} {row['shops']} shops: query p95 ≤ 2 ms: "
            f"{'met' if query_ok else 'NOT met'} ({row['query_p95_ms']:.2f} ms); "
            f"HTTP p95 ≤ 20 ms at {CONCURRENCY} concurrent: "
            f"{'met' if http_ok else 'NOT met'} ({row['http_p95_ms']:.1f} ms)"
        )
    out = Path(tempfile.gettempdir()) / "dongne5km-bench-nearby.json"
    out.write_text(
        json.dumps(
            {"machine": machine(), "runs": runs, "bare_asgi": bare}, ensure_ascii=False, indent=1
        )
    )
    print(f"\nraw figures: {out}; took {time.time() - started:.0f} s")


if __name__ == "__main__":
    main()
