"""Webhook delivery benchmark: 2,000 stock changes across 20 shops, one endpoint each.

Run by ``make bench`` (or ``python bench/webhooks.py``). It makes a scratch database
(PostgreSQL at BENCH_PG_URL, default postgres://postgres@127.0.0.1:5432/postgres, when one
answers; else a SQLite file), a task queue (Redis at BENCH_REDIS_URL, default
redis://127.0.0.1:6379/13, when one answers; else a SQLite queue), a loopback receiver in its
own process, and a huey consumer with ``--workers`` threads inside this process (the real
``integrations.tasks.deliver_webhooks`` task, woken after each commit). The main thread makes
the stock changes through ``livestock.services.adjust_stock`` at ``--rate`` per second,
round-robin over the shops, and notes when each committed.

It reports:

* delivery lag p50 / p99: from the change's commit to the receiver having it;
* deliveries/s per worker: deliveries over the wall time the worker threads spent inside
  the delivery task (what one worker sustains), and over the whole run per worker (which the
  pace of the writes decides);
* CPU per delivery: the CPU time of the worker threads spent in the delivery task (thread CPU
  time, so the writer and the receiver are not counted), next to the floor: one thread
  signing (standardwebhooks) and POSTing the same bodies with the same httpx client to the
  same receiver, one after another; the goal is at most 2× the floor;
* lost (a committed version the receiver never got) and out of order (a shop's versions
  arriving other than 1, 2, 3, … counting each ``webhook-id`` once): both must be 0.

Exits 1 when something was lost or out of order. Usage:
``python bench/webhooks.py [--changes 2000] [--shops 20] [--rate 200] [--workers 2]``.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from collections import defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

GOAL_CPU_RATIO = 2.0
GOAL_P99_SECONDS = 1.0


# --- the receiver (its own process) ------------------------------------------------------


def receiver_main(port_out, stop) -> None:
    received: list[tuple[float, str, str, int]] = []
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            at = time.time()
            if self.path.startswith("/hooks"):
                event = json.loads(body)
                with lock:
                    received.append(
                        (
                            at,
                            self.headers.get("webhook-id", ""),
                            event["data"]["shop"],
                            event["data"]["version"],
                        )
                    )
            self.send_response(204)
            self.send_header("content-length", "0")
            self.end_headers()

        def do_GET(self):
            with lock:
                answer = json.dumps(received).encode()
            self.send_response(200)
            self.send_header("content-length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    port_out.put(server.server_address[1])
    threading.Thread(target=server.serve_forever, daemon=True).start()
    stop.wait()
    server.shutdown()


# --- environment -------------------------------------------------------------------------


def postgres_database() -> tuple[str, object] | None:
    url = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    try:
        import psycopg

        admin = psycopg.connect(url.replace("postgres://", "postgresql://", 1), autocommit=True)
    except Exception:
        return None
    name = f"bench_webhooks_{os.getpid()}"
    admin.execute(f'CREATE DATABASE "{name}"')
    parts = urlsplit(url)

    def drop() -> None:
        from django.db import connections

        connections.close_all()
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()

    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", "", "")), drop


def redis_url() -> str | None:
    url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except Exception:
        return None
    return url


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> int:
    dropper: list = []
    try:
        return run(dropper)
    finally:
        for drop in dropper:
            drop()


def run(dropper: list) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--changes", type=int, default=2000)
    parser.add_argument("--shops", type=int, default=20)
    parser.add_argument("--rate", type=float, default=200.0, help="stock changes per second")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="bench-webhooks-"))
    pg = postgres_database()
    if pg:
        dropper.append(pg[1])
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "SECRET_KEY": "bench-only",
            "DEBUG": "0",
            "WEBHOOK_ALLOW_INSECURE": "1",
            "HUEY_IMMEDIATE": "0",
            "CHANNEL_LAYER_PREFIX": f"bench-webhooks-{os.getpid()}",
            "DATABASE_URL": pg[0] if pg else f"sqlite:///{scratch / 'db.sqlite3'}",
            "HUEY_SQLITE_PATH": str(scratch / "huey.sqlite3"),
        }
    )
    queue_url = redis_url()
    if queue_url:
        os.environ["REDIS_URL"] = queue_url
    else:
        os.environ.pop("REDIS_URL", None)

    import django

    django.setup()
    import logging

    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("huey").setLevel(logging.WARNING)
    from django.core.management import call_command
    from django.db import connection
    from huey.contrib.djhuey import HUEY
    from standardwebhooks.webhooks import Webhook

    from integrations import delivery, services
    from integrations.models import Delivery
    from livestock import services as stock
    from shops.models import Shop

    call_command("migrate", verbosity=0)
    HUEY.flush()
    stop = multiprocessing.Event()
    ports: multiprocessing.Queue = multiprocessing.Queue()
    receiver = multiprocessing.Process(target=receiver_main, args=(ports, stop), daemon=True)
    receiver.start()
    port = ports.get(timeout=10)
    hooks_url = f"http://127.0.0.1:{port}/hooks"

    shops = []
    for i in range(args.shops):
        shop = Shop.objects.create(
            slug=f"bench-{i}", name=f"벤치 가게 {i}", lat=37.55 + i / 1000, lng=126.90
        )
        listing, _ = stock.post_arrival(
            shop=shop, name="단감", unit="팩", available=1_000_000, price=9000, pickup_price=7900
        )
        services.create_endpoint(shop=shop, url=hooks_url, events=["stock.changed"])
        shops.append((shop, listing))

    # CPU of the worker threads inside the delivery task.
    cpu_lock = threading.Lock()
    cpu = {"seconds": 0.0, "busy": 0.0}
    original = delivery.deliver_endpoint

    def measured(**kwargs):
        started = time.thread_time()
        wall = time.perf_counter()
        try:
            return original(**kwargs)
        finally:
            with cpu_lock:
                cpu["seconds"] += time.thread_time() - started
                cpu["busy"] += time.perf_counter() - wall

    delivery.deliver_endpoint = measured
    consumer = HUEY.create_consumer(workers=args.workers, worker_type="thread", periodic=False)
    consumer.start()

    committed: dict[tuple[str, int], float] = {}
    interval = 1.0 / args.rate
    started = time.time()
    for n in range(args.changes):
        shop, listing = shops[n % len(shops)]
        due = started + n * interval
        wait = due - time.time()
        if wait > 0:
            time.sleep(wait)
        result, _replayed = stock.adjust_stock(
            shop=shop, listing_id=listing.pk, delta=-1, reason="counter_sale"
        )
        committed[(shop.slug, result.version)] = time.time()
    writes_done = time.time()

    deadline = time.time() + 120
    received = []
    while time.time() < deadline:
        received = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/").read())
        if len({r[1] for r in received}) >= len(committed):
            break
        time.sleep(0.2)
    consumer.stop(graceful=True)
    delivery.deliver_endpoint = original

    first_at: dict[str, float] = {}
    by_shop: dict[str, list[int]] = defaultdict(list)
    for at, webhook_id, slug, version in sorted(received):
        if webhook_id in first_at:
            continue
        first_at[webhook_id] = at
        by_shop[slug].append(version)
    got = {(slug, v) for slug, versions in by_shop.items() for v in versions}
    lost = [key for key in committed if key not in got]
    out_of_order = 0
    for slug, versions in by_shop.items():
        expected = sorted(v for (s, v) in committed if s == slug)
        # the first version (the arrival) was committed before the endpoint existed
        out_of_order += sum(1 for a, b in zip(versions, expected, strict=False) if a != b)
    lags = []
    for at, _webhook_id, slug, version in received:
        if (slug, version) in committed:
            lags.append(max(0.0, at - committed[(slug, version)]))
    delivered = len(first_at)
    span = max(r[0] for r in received) - started if received else float("nan")
    per_delivery_cpu = cpu["seconds"] / max(1, delivered)

    # Floor: sign and POST the same bodies with the same client, one after another.
    bodies = list(Delivery.objects.order_by("id").values_list("message_id", "body"))
    secret = services.new_secret()
    client = delivery.http_client()
    floor_url = f"http://127.0.0.1:{port}/floor"
    floor_started = time.thread_time()
    for message_id, body in bodies:
        moment = time.time()
        from datetime import UTC, datetime

        at = datetime.fromtimestamp(int(moment), tz=UTC)
        headers = {
            "content-type": "application/json",
            "webhook-id": message_id,
            "webhook-timestamp": str(int(moment)),
            "webhook-signature": Webhook(secret).sign(msg_id=message_id, timestamp=at, data=body),
        }
        with client.stream("POST", floor_url, content=body.encode(), headers=headers) as response:
            for _chunk in response.iter_raw():
                pass
    floor_cpu = (time.thread_time() - floor_started) / max(1, len(bodies))

    stop.set()
    receiver.join(timeout=5)
    vendor = connection.vendor

    ratio = per_delivery_cpu / floor_cpu if floor_cpu else float("nan")
    print(
        f"webhooks: {args.changes} stock changes over {args.shops} shops at {args.rate:.0f}/s, "
        f"{args.workers} worker threads, database {vendor}, "
        f"queue {'redis' if queue_url else 'sqlite'}"
    )
    print(f"  writes took {writes_done - started:.2f} s; delivered {delivered} events")
    if lags:
        print(
            f"  delivery lag  p50 {statistics.median(lags) * 1000:.1f} ms  "
            f"p99 {pct(lags, 0.99) * 1000:.1f} ms  max {max(lags) * 1000:.1f} ms  "
            f"(goal p99 <= {GOAL_P99_SECONDS * 1000:.0f} ms)"
        )
    print(
        f"  deliveries/s per worker  {delivered / cpu['busy']:.0f} while busy "
        f"(wall time inside the task), {delivered / span / args.workers:.1f} over the run "
        "(paced by the writes)"
    )
    print(
        f"  CPU per delivery  {per_delivery_cpu * 1e6:.0f} µs  floor {floor_cpu * 1e6:.0f} µs  "
        f"ratio {ratio:.2f}× (goal <= {GOAL_CPU_RATIO:.1f}×)"
    )
    print(f"  lost {len(lost)}  out of order {out_of_order}")
    return 1 if lost or out_of_order else 0


if __name__ == "__main__":
    sys.exit(main())
