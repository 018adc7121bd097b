"""200 customers race over HTTP for the last 100 units of one listing.

For each database (a scratch SQLite file; a scratch PostgreSQL database when one answers at
BENCH_PG_URL, default postgres://postgres@127.0.0.1:5432/postgres) this migrates, creates one
shop with a 100-unit listing, starts daphne on a free port and then:

1. baseline: 200 concurrent `GET /api/shops/<slug>` (the same server, same run);
2. reserve: 200 concurrent `POST /api/shops/<slug>/reservations` for 1 unit each.

It prints throughput, p50/p99 latency, the ratio to the baseline, and the oversell count
(reservations beyond the stock, or a count below zero), which must be 0: the script exits 1
otherwise. Usage: `python bench/reserve.py [--customers 200] [--units 100] [--only sqlite|postgresql]`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import daphne_pool

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable

SETUP = """
from datetime import time
from livestock import services
from pickup.models import PickupPlace, PickupPoint
from shops.models import Shop
shop = Shop.objects.create(slug="bench-shop", name="벤치 과일가게", lat=37.5559, lng=126.9019)
listing, _ = services.post_arrival(shop=shop, name="마지막 단감", unit="팩", available={units},
                                   price=9000, pickup_price=7900)
plenty, _ = services.post_arrival(shop=shop, name="넉넉한 귤", unit="봉", available=100000,
                                  price=5000, pickup_price=4500)
place = PickupPlace.objects.create(name="벤치 카페", lat=37.556, lng=126.902, opens_at=time(0))
point = PickupPoint.objects.create(shop=shop, place=place)
print("IDS", listing.pk, point.pk, plenty.pk)
"""

CHECK = """
from livestock.models import Listing
from pickup.models import Reservation
listing = Listing.objects.get(pk={listing_id})
print("CHECK", listing.available, Reservation.objects.filter(listing=listing).count(),
      sum(Reservation.objects.filter(listing=listing).values_list("units", flat=True)))
"""


@dataclass
class Phase:
    name: str
    statuses: list[int]
    latencies: list[float]
    elapsed: float

    @property
    def throughput(self) -> float:
        return len(self.statuses) / self.elapsed

    def pct(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))] * 1000

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies) * 1000


def manage(env: dict[str, str], *args: str, code: str | None = None) -> str:
    command = [PYTHON, "manage.py", *args]
    if code is not None:
        command += ["-c", code]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stderr[-2000:]}")
    return result.stdout


def start_daphne(env: dict[str, str], processes: int) -> tuple[list[subprocess.Popen], int]:
    """The app on ``processes`` daphne processes, once it answers."""
    started, port = daphne_pool.start(env, "config.asgi:application", processes)
    deadline = time.time() + 30
    while time.time() < deadline:
        if any(process.poll() is not None for process in started):
            break
        try:
            with urllib.request.urlopen(
                f"http://127.0.0.1:{port}/api/shops/bench-shop", timeout=2
            ) as answer:
                if answer.status == 200:
                    return started, port
        except OSError:
            time.sleep(0.2)
    daphne_pool.stop(started)
    raise RuntimeError("daphne did not start")


def fire(port: int, requests: list[tuple[str, str, bytes | None]]) -> Phase:
    """Open one connection per request, then send them all at once (one asyncio client
    thread, so the client takes little CPU from the server it measures)."""
    return asyncio.run(_fire(port, requests))


async def _one(
    port: int, method: str, path: str, body: bytes | None, start: asyncio.Event
) -> tuple[int, float]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    head = (
        f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body or b'')}\r\n\r\n"
    )
    await start.wait()
    started = time.perf_counter()
    writer.write(head.encode() + (body or b""))
    await writer.drain()
    status_line = await reader.readline()
    await reader.read()  # until the server closes: the whole response
    elapsed = time.perf_counter() - started
    writer.close()
    return int(status_line.split()[1]), elapsed


def sequential(port: int, requests: list[tuple[str, str, bytes | None]]) -> Phase:
    """One request at a time: the uncontended latency of each kind of request."""
    phases = [fire(port, [request]) for request in requests]
    return Phase(
        "",
        [p.statuses[0] for p in phases],
        [p.latencies[0] for p in phases],
        sum(p.elapsed for p in phases),
    )


async def _fire(port: int, requests: list[tuple[str, str, bytes | None]]) -> Phase:
    start = asyncio.Event()
    tasks = [asyncio.create_task(_one(port, m, p, b, start)) for m, p, b in requests]
    await asyncio.sleep(0.5 if len(requests) > 1 else 0)  # every connection open, waiting
    began = time.perf_counter()
    start.set()
    results = await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - began
    return Phase("", [s for s, _ in results], [t for _, t in results], elapsed)


async def _arrive(port: int, method: str, path: str, body: bytes | None) -> tuple[int, float]:
    """One customer: connect, send, read the whole answer (timed from before connecting)."""
    started = time.perf_counter()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    head = (
        f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body or b'')}\r\n\r\n"
    )
    writer.write(head.encode() + (body or b""))
    await writer.drain()
    status_line = await reader.readline()
    await reader.read()
    elapsed = time.perf_counter() - started
    writer.close()
    return int(status_line.split()[1]), elapsed


def steady(port: int, rate: float, requests: list[tuple[str, str, bytes | None]]) -> Phase:
    """Customers arriving at ``rate`` per second, open loop: a slow answer does not hold back
    the next arrival, as with real customers (a closed loop would hide the queueing)."""
    return asyncio.run(_steady(port, rate, requests))


async def _steady(port: int, rate: float, requests: list[tuple[str, str, bytes | None]]) -> Phase:
    began = time.perf_counter()
    tasks = []
    for i, (method, path, body) in enumerate(requests):
        delay = began + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(_arrive(port, method, path, body)))
    results = await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - began
    return Phase("", [s for s, _ in results], [t for _, t in results], elapsed)


def reservation_body(listing_id: int, point_id: int, name: str, phone: str) -> bytes:
    return json.dumps(
        {
            "listing_id": listing_id,
            "quantity": 1,
            "pickup_point_id": point_id,
            "name": name,
            "phone": phone,
        }
    ).encode()


def run_backend(
    label: str,
    database_url: str,
    customers: int,
    units: int,
    processes: int,
    rates: list[int],
    seconds: float,
) -> dict:
    env = daphne_pool.django_env(
        database_url,
        # Unset: the default, a connection kept per HTTP worker thread.
        DATABASE_POOL_MAX_SIZE=os.environ.get("DATABASE_POOL_MAX_SIZE", ""),
    )
    manage(env, "migrate", "--noinput", "-v", "0")
    out = manage(env, "shell", code=SETUP.format(units=units))
    listing_id, point_id, plenty_id = map(int, re.search(r"IDS (\d+) (\d+) (\d+)", out).groups())
    servers, port = start_daphne(env, processes)
    path = "/api/shops/bench-shop/reservations"
    phones = (f"010-{8000 + i // 10000:04d}-{i % 10000:04d}" for i in range(10**6))
    try:
        fire(port, [("GET", "/api/shops/bench-shop", None)] * 20)  # warm up every process
        solo_get = sequential(port, [("GET", "/api/shops/bench-shop", None)] * 50)
        solo_reserve = sequential(
            port,
            [
                ("POST", path, reservation_body(plenty_id, point_id, "혼자", next(phones)))
                for _ in range(50)
            ],
        )
        baseline = fire(port, [("GET", "/api/shops/bench-shop", None)] * customers)
        reserve = fire(
            port,
            [
                ("POST", path, reservation_body(listing_id, point_id, f"손님{i}", next(phones)))
                for i in range(customers)
            ],
        )
        sustained = {
            rate: steady(
                port,
                rate,
                [
                    ("POST", path, reservation_body(plenty_id, point_id, f"손님{i}", next(phones)))
                    for i in range(int(rate * seconds))
                ],
            )
            for rate in rates
        }
    finally:
        daphne_pool.stop(servers)
    available, reservations, taken = map(
        int,
        re.search(
            r"CHECK (-?\d+) (\d+) (\d+)",
            manage(env, "shell", code=CHECK.format(listing_id=listing_id)),
        ).groups(),
    )
    created = reserve.statuses.count(201)
    oversell = max(0, taken - units) + max(0, -available) + max(0, created - units)
    return {
        "label": label,
        "baseline": baseline,
        "solo_get": solo_get,
        "solo_reserve": solo_reserve,
        "reserve": reserve,
        "sustained": sustained,
        "created": created,
        "refused": reserve.statuses.count(409),
        "other": len(reserve.statuses) - created - reserve.statuses.count(409),
        "available": available,
        "reservations": reservations,
        "oversell": oversell,
    }


def sqlite_url() -> tuple[str, callable]:
    directory = tempfile.mkdtemp(prefix="bench-reserve-")
    path = Path(directory) / "bench.sqlite3"

    def cleanup() -> None:
        for file in Path(directory).glob("*"):
            file.unlink()
        os.rmdir(directory)

    return f"sqlite:///{path}", cleanup


def postgres_url() -> tuple[str, callable] | None:
    admin_url = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    try:
        import psycopg

        name = f"bench_reserve_{os.getpid()}"
        with psycopg.connect(admin_url, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except Exception as exc:  # noqa: BLE001 - reported and skipped
        print(f"(PostgreSQL not reachable at {admin_url}: {exc}; skipped)")
        return None
    base = admin_url.rsplit("/", 1)[0]

    def cleanup() -> None:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return f"{base}/{name}", cleanup


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=200)
    parser.add_argument("--units", type=int, default=100)
    parser.add_argument(
        "--processes",
        type=int,
        default=os.cpu_count() or 1,
        help="daphne processes sharing the listening socket (default: one per CPU)",
    )
    parser.add_argument(
        "--rates",
        default="50,100,200,300",
        help="steady arrival rates to try, reservations per second",
    )
    parser.add_argument("--seconds", type=float, default=2.0, help="length of each steady phase")
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    args = parser.parse_args()
    rates = [int(r) for r in args.rates.split(",") if r]

    results = []
    for label, make in (("SQLite", sqlite_url), ("PostgreSQL", postgres_url)):
        if args.only and args.only != label.lower():
            continue
        made = make()
        if made is None:
            continue
        url, cleanup = made
        try:
            results.append(
                run_backend(
                    label, url, args.customers, args.units, args.processes, rates, args.seconds
                )
            )
        finally:
            cleanup()

    print(
        f"\n{args.customers} concurrent customers for {args.units} units, then steady arrivals; "
        f"{args.processes} daphne process(es) on one socket, {os.cpu_count()} CPUs"
    )
    header = (
        f"{'database':<11} {'phase':<14} {'req/s':>6} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'vs GET':>7}  result"
    )
    print(header)
    print("-" * len(header))
    failed = False
    for r in results:
        b, s = r["baseline"], r["reserve"]
        for name, solo in (("GET 1×", r["solo_get"]), ("reserve 1×", r["solo_reserve"])):
            print(
                f"{r['label']:<11} {name:<14} {solo.throughput:>6.0f} {solo.p50:>8.1f} "
                f"{solo.pct(0.99):>8.1f} {'':>7}  one at a time, {len(solo.statuses)} requests"
            )
        print(
            f"{'':<11} {'GET 200':<14}{b.throughput:>7.0f} {b.p50:>8.1f} "
            f"{b.pct(0.99):>8.1f} {'1.00':>7}  {b.statuses.count(200)} × 200 {sorted(set(b.statuses))}"
        )
        print(
            f"{'':<11} {'reserve 200':<14}{s.throughput:>7.0f} {s.p50:>8.1f} {s.pct(0.99):>8.1f} "
            f"{s.throughput / b.throughput:>7.2f}  {r['created']} × 201, {r['refused']} × 409, "
            f"{r['other']} other {sorted(set(s.statuses) - {201, 409})}; left {r['available']}; oversell {r['oversell']}"
        )
        for rate, phase in r["sustained"].items():
            ok = phase.statuses.count(201)
            verdict = "p99 ≤ 100 ms" if phase.pct(0.99) <= 100 else "p99 > 100 ms"
            print(
                f"{'':<11} {f'steady {rate}/s':<14}{phase.throughput:>7.0f} {phase.p50:>8.1f} "
                f"{phase.pct(0.99):>8.1f} {'':>7}  {ok} × 201 of {len(phase.statuses)}; {verdict}"
            )
            failed |= ok != len(phase.statuses)
        failed |= r["oversell"] != 0 or r["created"] != min(args.units, args.customers)
        failed |= r["other"] != 0 or b.statuses.count(200) != len(b.statuses)
        failed |= set(r["solo_get"].statuses) != {200} or set(r["solo_reserve"].statuses) != {201}
    print(
        "(vs GET = reservation throughput / baseline throughput in the same run; "
        "steady req/s = answers per second while customers arrived at that rate)"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
