"""Web Push fan-out: 10,000 followers of one shop, one arrival, delivered to a loopback push
service, against a floor measured in the same run.

The push service runs in its own process (its CPU is not counted): HTTP/1.1 keep-alive, it
checks the VAPID JWT (signature with the app's key, aud, exp), decrypts a sample of bodies
with their subscriptions' private keys and counts every endpoint, so lost and duplicated
pushes are counted, not assumed.

* floor: the same number of aes128gcm encryptions + VAPID-signed POSTs by a bare loop with
  the same libraries and connection pool (notify/webpush.py's Sender), no Django, no database;
* app: the owner posts the arrival through the stock service; the worker's code (fan-out to
  Delivery rows, batches, a sent-marker per push) runs in this one process, as one
  ``run_huey`` worker would.

Reports time until the last push is accepted, pushes/s for the worker process, CPU per push
(this process: user + system) and the ratio to the floor. Goals: ratio <= 1.5, all within
60 s, 0 lost, 0 duplicated.

    .venv/bin/python bench/push.py [--followers 10000] [--concurrency 16]
"""

from __future__ import annotations

import argparse
import base64
import json
import multiprocessing
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
WORK = Path(tempfile.mkdtemp(prefix="push-bench-"))

SAMPLE = 50  # bodies the push service decrypts and checks


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


# --- the loopback push service (own process) -----------------------------------------------


def push_service(port_queue, app_public_key: str, sample_keys: dict[str, tuple[bytes, bytes]]):
    import threading
    from collections import Counter
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    import http_ece
    from cryptography.hazmat.primitives.serialization import load_der_private_key
    from py_vapid import Vapid02

    counts: Counter[str] = Counter()
    lock = threading.Lock()
    verified: set[str] = set()
    problems: list[str] = []
    decrypted: list[dict] = []
    keys = {
        name: (load_der_private_key(der, None), auth) for name, (der, auth) in sample_keys.items()
    }

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def _answer(self, status: int, body: bytes = b"") -> None:
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            with lock:
                stats = {
                    "total": sum(counts.values()),
                    "distinct": len(counts),
                    "duplicated": sum(n - 1 for n in counts.values() if n > 1),
                    "problems": problems[:5],
                    "decrypted": len(decrypted),
                    "sample": decrypted[:1],
                }
            self._answer(200, json.dumps(stats, ensure_ascii=False).encode())

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            auth = self.headers.get("Authorization", "")
            if auth not in verified:  # one JWT per audience is reused: verify each once
                parts = dict(p.split("=", 1) for p in auth.partition(" ")[2].split(","))
                claims = json.loads(base64.urlsafe_b64decode(parts["t"].split(".")[1] + "=="))
                ok = (
                    parts.get("k") == app_public_key
                    and Vapid02.verify(auth)
                    and claims["aud"] == f"http://127.0.0.1:{self.server.server_address[1]}"
                    and time.time() < claims["exp"] <= time.time() + 86400
                )
                if not ok:
                    with lock:
                        problems.append("bad vapid")
                    return self._answer(401)
                verified.add(auth)
            if self.headers.get("Content-Encoding") != "aes128gcm" or "TTL" not in self.headers:
                with lock:
                    problems.append("headers")
                return self._answer(400)
            name = self.path.rsplit("/", 1)[-1]
            if name in keys and self.path.startswith("/app/"):
                private, secret = keys[name]
                plain = http_ece.decrypt(body, private_key=private, auth_secret=secret)
                with lock:
                    decrypted.append(json.loads(plain))
            with lock:
                counts[self.path] += 1
            self._answer(201)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    port_queue.put(server.server_address[1])
    server.serve_forever()


# --- the two runs ----------------------------------------------------------------------------


def make_browsers(n: int):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    browsers, sample = [], {}
    for i in range(n):
        private = ec.generate_private_key(ec.SECP256R1())
        auth = os.urandom(16)
        public = private.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        name = f"b{i}"
        browsers.append((name, b64url(public), b64url(auth)))
        if i % max(1, n // SAMPLE) == 0 and len(sample) < SAMPLE:
            sample[name] = (
                private.private_bytes(
                    serialization.Encoding.DER,
                    serialization.PrivateFormat.PKCS8,
                    serialization.NoEncryption(),
                ),
                auth,
            )
    return browsers, sample


def cpu() -> float:
    times = os.times()
    return times.user + times.system


def stats(base: str) -> dict:
    import urllib.request

    with urllib.request.urlopen(f"{base}/stats") as response:
        return json.loads(response.read())


def run_floor(
    private_key: str, base: str, browsers, concurrency: int, batch: int, path: str = "floor"
) -> dict:
    """Same encryptions and signed POSTs, bare loop: notify.webpush alone, no Django, in
    batches of the same size as the worker's tasks."""
    from notify import webpush

    sender = webpush.Sender(
        webpush.Signer(webpush.load_vapid(private_key), "mailto:bench@dongne5km.kr"),
        concurrency=concurrency,
    )
    payload = json.dumps(
        {
            "title": "(광고) 망원 과일가게 오늘 입고",
            "body": "단감 200팩 들어왔어요.\n수신거부: …",
            "url": "http://127.0.0.1/s/mangwon-fruit/",
            "tag": "arrival-mangwon-fruit",
        },
        ensure_ascii=False,
    ).encode()
    messages = [
        webpush.Message(
            key=name,
            subscription={"endpoint": f"{base}/{path}/{name}", "keys": {"p256dh": p, "auth": a}},
            payload=payload,
            ttl=21600,
            topic="arrival-1",
        )
        for name, p, a in browsers
    ]
    before_total = stats(base)["total"]
    cpu0, t0 = cpu(), time.perf_counter()
    accepted = 0
    for start in range(0, len(messages), batch):
        for _key, outcome in sender.send_many(messages[start : start + batch]):
            accepted += outcome.accepted
    wall, used = time.perf_counter() - t0, cpu() - cpu0
    sender.close()
    assert stats(base)["total"] - before_total == len(browsers)
    return {"accepted": accepted, "wall_s": wall, "cpu_s": used}


def run_app(base: str, browsers, concurrency: int) -> dict:
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    from notify import delivery
    from notify.models import Delivery, Follow, Subscription
    from tests import factories

    shop = factories.make_shop()
    Subscription.objects.bulk_create(
        [
            Subscription(endpoint=f"{base}/app/{name}", p256dh=p, auth=a, origin="http://127.0.0.1")
            for name, p, a in browsers
        ],
        batch_size=2000,
    )
    Follow.objects.bulk_create(
        [Follow(subscription=s, shop=shop) for s in Subscription.objects.all()], batch_size=2000
    )
    connection.close()
    before_total = stats(base)["total"]
    cpu0, t0 = cpu(), time.perf_counter()
    # The owner's post: the arrival push row is written in the stock service's transaction;
    # with no coalescing delay its fan-out and the batches run at once, in this process.
    factories.make_listing(shop, "단감", available=200)
    delivery.tick()  # whatever a batch left for later (none expected)
    wall, used = time.perf_counter() - t0, cpu() - cpu0
    sent = Delivery.objects.filter(status="sent").count()
    after = stats(base)
    return {
        "accepted": after["total"] - before_total,
        "sent_rows": sent,
        "wall_s": wall,
        "cpu_s": used,
        "pending": Delivery.objects.exclude(status="sent").count(),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--followers", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--batch", type=int, default=1000)
    args = parser.parse_args()

    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DEBUG": "0",
            "SECRET_KEY": "bench-only-secret",
            "DATABASE_URL": os.environ.get(
                "BENCH_DATABASE_URL", f"sqlite:///{WORK / 'bench.sqlite3'}"
            ),
            "HUEY_SQLITE_PATH": str(WORK / "huey.sqlite3"),
            "HUEY_IMMEDIATE": "1",
            "LOG_LEVEL": "WARNING",
            "CHANNEL_LAYER_PREFIX": f"push-bench-{uuid.uuid4().hex[:8]}",
            "WEB_PUSH_ARRIVAL_DELAY_SECONDS": "0",
            "WEB_PUSH_CONCURRENCY": str(args.concurrency),
            "WEB_PUSH_BATCH_SIZE": str(args.batch),
            "WEB_PUSH_ENDPOINT_HOSTS": "127.0.0.1",
        }
    )
    os.environ.pop("REDIS_URL", None)
    from notify import webpush

    private_key = webpush.generate_private_key()
    os.environ["WEB_PUSH_VAPID_PRIVATE_KEY"] = private_key
    public_key = webpush.public_key(webpush.load_vapid(private_key))

    print(f"making {args.followers} browser key pairs …", flush=True)
    browsers, sample = make_browsers(args.followers)
    ports = multiprocessing.get_context("spawn").Queue()
    service = multiprocessing.get_context("spawn").Process(
        target=push_service, args=(ports, public_key, sample), daemon=True
    )
    service.start()
    base = f"http://127.0.0.1:{ports.get(timeout=30)}"

    import django

    django.setup()
    # Warm up (imports, first connections), then the floor, then the app.
    run_floor(private_key, base, browsers[:300], args.concurrency, args.batch, "warmup")
    floor = run_floor(private_key, base, browsers, args.concurrency, args.batch)
    app = run_app(base, browsers, args.concurrency)
    final = stats(base)
    service.terminate()

    n = args.followers
    floor_cpu = floor["cpu_s"] / n * 1000
    app_cpu = app["cpu_s"] / n * 1000
    lost = 2 * n + min(300, n) - final["distinct"]
    result = {
        "followers": n,
        "concurrency": args.concurrency,
        "floor": {
            "wall_s": round(floor["wall_s"], 2),
            "pushes_per_s": round(n / floor["wall_s"]),
            "cpu_ms_per_push": round(floor_cpu, 3),
        },
        "app": {
            "until_last_accepted_s": round(app["wall_s"], 2),
            "pushes_per_s_per_worker": round(n / app["wall_s"]),
            "cpu_ms_per_push": round(app_cpu, 3),
            "sent_marker_rows": app["sent_rows"],
            "not_sent_rows": app["pending"],
        },
        "cpu_ratio_app_over_floor": round(app_cpu / floor_cpu, 2),
        "lost": lost,
        "duplicated": final["duplicated"],
        "push_service_problems": final["problems"],
        "sample_decrypted": final["decrypted"],
        "sample_payload": final["sample"][:1],
    }
    print(json.dumps(result, ensure_ascii=False, indent=2))
    ok = (
        result["cpu_ratio_app_over_floor"] <= 1.5
        and app["wall_s"] <= 60
        and lost == 0
        and final["duplicated"] == 0
        and not final["problems"]
    )
    print("goal (<= 1.5x floor CPU, <= 60 s, 0 lost, 0 duplicated):", "met" if ok else "NOT met")


if __name__ == "__main__":
    main()
