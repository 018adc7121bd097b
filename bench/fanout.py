"""Live fan-out benchmark: how much server CPU one stock change costs per open socket.

Run by ``make bench`` (or ``python bench/fanout.py``). It needs nothing running: it makes a
SQLite database in a temporary directory, starts daphne (``config.asgi:application``) and a
bare ``websockets`` broadcast server as the baseline as subprocesses on free ports, and, when
``redis-server`` is installed, a throwaway Redis for the two-process run. On a 2-core machine
the whole run takes about four minutes; ``--quick`` (N = 200 / 500, 1,000 idle) about one.

Per scenario it opens N sockets on one shop from client processes (a minimal websocket client,
so the clients stay cheaper than the servers), makes 30 committed changes one after another
through the real API (``POST /api/shops/<slug>/listings/<id>/stock`` with a shop token), and
waits after each until every socket has it. It reports:

* server CPU per delivered frame: utime + stime of the server process(es) from /proc over the
  30 changes, divided by the frames the clients received in that time (and the same net of
  the CPU the 30 API writes cost with no socket open, measured first);
* p50 / p99 all-received latency: from just before the write request to the moment the last
  socket had that version (over the 30 changes, so p99 is close to the worst one);
* lost (versions a socket never got, after it resynced as static/js/live.js does) and
  reordered (a stock frame older than one the socket already had);
* RSS growth of the server process(es) per open socket;
* the same N against the baseline, whose "write" is an HTTP request that broadcasts a frame of
  the same size with ``websockets.broadcast``; goals are ratios to it in the same run.

Then the same with ``RedisPubSubChannelLayer`` across two daphne processes (sockets split
evenly, writes to the first), and 10,000 idle sockets on one daphne process for memory.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import platform
import re
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
SIZES = (500, 2000, 5000)
QUICK_SIZES = (200, 500)
CHANGES = 30
IDLE = 10_000
SOCKETS_PER_CLIENT = 2500
CLOCK_TICK = os.sysconf("SC_CLK_TCK")

GOAL_CPU_RATIO = 4.0
GOAL_P99_RATIO = 1.5
GOAL_P99_AT = 2000
GOAL_IDLE_KB = 40.0


def raise_fd_limit() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = hard if hard != resource.RLIM_INFINITY else 1 << 20
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


def listening_socket() -> socket.socket:
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(4096)
    return sock


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICK


def rss_kb(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


# --- client role: many sockets in one process --------------------------------------------------

VERSION = re.compile(rb'"version": (\d+)')


class ClientSocket(asyncio.Protocol):
    """One websocket that behaves like static/js/live.js (apply v+1, resync on a gap)."""

    def __init__(self, swarm: Swarm, request: bytes) -> None:
        self.swarm = swarm
        self.request = request
        self.buffer = bytearray()
        self.open = False
        self.transport: asyncio.Transport | None = None
        self.version: int | None = None
        self.highest = -1
        self.ready = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: asyncio.Transport) -> None:
        self.transport = transport
        transport.write(self.request)

    def connection_lost(self, exc: Exception | None) -> None:
        if self.open:
            self.swarm.dropped += 1
        self.open = False
        if not self.ready.done():
            self.ready.set_exception(ConnectionError("closed before the snapshot"))

    def data_received(self, data: bytes) -> None:
        now = time.time()
        buffer = self.buffer
        buffer += data
        if not self.open:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            if b" 101 " not in buffer[: buffer.find(b"\r\n")]:
                self.transport.close()
                return
            del buffer[: end + 4]
            self.open = True
        while len(buffer) >= 2:
            opcode, length, start = buffer[0] & 0x0F, buffer[1] & 0x7F, 2
            if length == 126:
                if len(buffer) < 4:
                    return
                length, start = int.from_bytes(buffer[2:4], "big"), 4
            elif length == 127:
                if len(buffer) < 10:
                    return
                length, start = int.from_bytes(buffer[2:10], "big"), 10
            if len(buffer) < start + length:
                return
            payload = bytes(buffer[start : start + length])
            del buffer[: start + length]
            if opcode == 1:
                self.on_text(payload, now)
            elif opcode == 9:
                self.write_frame(0xA, payload)
            elif opcode == 8:
                self.transport.close()

    def write_frame(self, opcode: int, payload: bytes) -> None:
        # A zero mask key leaves the payload as it is; servers must accept any key.
        header = (
            bytes([0x80 | opcode, 0x80 | len(payload)])
            if len(payload) < 126
            else (bytes([0x80 | opcode, 0x80 | 126]) + len(payload).to_bytes(2, "big"))
        )
        self.transport.write(header + b"\x00\x00\x00\x00" + payload)

    def resync(self) -> None:
        self.swarm.resyncs += 1
        self.write_frame(1, json.dumps({"type": "resync", "version": self.version}).encode())

    def on_text(self, payload: bytes, now: float) -> None:
        swarm = self.swarm
        swarm.frames += 1
        match = VERSION.search(payload)
        if match is None:
            return
        version = int(match.group(1))
        kind = payload[10:14]
        if kind == b"stoc":
            if version < self.highest:
                swarm.reordered += 1
            self.highest = max(self.highest, version)
            if self.version is None or version <= self.version:
                return
            if version == self.version + 1:
                self.advance(version)
                swarm.arrivals[version].append(now)
            else:
                swarm.gaps += 1
                self.resync()
        elif kind == b"snap":
            if self.version is None:
                self.version = version
                if not self.ready.done():
                    self.ready.set_result(version)
            elif version > self.version:
                self.advance(version)
        elif kind == b"hear":
            swarm.heartbeats += 1
            if self.version is not None and version > self.version:
                self.resync()

    def advance(self, version: int) -> None:
        reached = self.swarm.reached
        for v in range(self.version + 1, version + 1):
            reached[v] += 1
        self.version = version
        self.swarm.check_waiters()


@dataclass
class Swarm:
    host: str
    port: int
    path: str
    count: int
    sockets: list[ClientSocket] = field(default_factory=list)
    arrivals: dict[int, list[float]] = field(default_factory=lambda: defaultdict(list))
    reached: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    waiters: list[tuple[int, asyncio.Future]] = field(default_factory=list)
    frames: int = 0
    gaps: int = 0
    resyncs: int = 0
    reordered: int = 0
    heartbeats: int = 0
    dropped: int = 0
    failed: int = 0

    def request(self) -> bytes:
        key = os.urandom(16).hex()[:22] + "=="
        return (
            f"GET {self.path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
            f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
            f"Sec-WebSocket-Version: 13\r\nOrigin: http://{self.host}:{self.port}\r\n\r\n"
        ).encode()

    async def connect_all(self, parallel: int = 100) -> None:
        loop = asyncio.get_running_loop()
        gate = asyncio.Semaphore(parallel)

        async def one() -> None:
            async with gate:
                for _attempt in range(3):
                    client = ClientSocket(self, self.request())
                    try:
                        await loop.create_connection(lambda c=client: c, self.host, self.port)
                        await asyncio.wait_for(client.ready, 60)
                        self.sockets.append(client)
                        return
                    except (TimeoutError, OSError):
                        if client.transport is not None:
                            client.transport.close()
                        await asyncio.sleep(0.2)
                self.failed += 1

        await asyncio.gather(*(one() for _ in range(self.count)))

    def check_waiters(self) -> None:
        if not self.waiters:
            return
        live = sum(1 for s in self.sockets if s.open)
        for item in list(self.waiters):
            version, future = item
            if self.reached[version] >= live and not future.done():
                future.set_result(True)
                self.waiters.remove(item)

    async def wait_for(self, version: int, timeout: float) -> int:
        future = asyncio.get_running_loop().create_future()
        self.waiters.append((version, future))
        self.check_waiters()
        try:
            await asyncio.wait_for(future, timeout)
        except TimeoutError:
            self.waiters = [w for w in self.waiters if w[1] is not future]
        return self.reached[version]

    def mark(self) -> None:
        self.frames = self.heartbeats = 0

    def report(self, final: int) -> dict[str, Any]:
        lost = sum(max(0, final - (s.version or 0)) for s in self.sockets)
        return {
            "arrivals": {str(v): times for v, times in self.arrivals.items()},
            "frames": self.frames,
            "gaps": self.gaps,
            "resyncs": self.resyncs,
            "reordered": self.reordered,
            "heartbeats": self.heartbeats,
            "lost": lost,
            "open": sum(1 for s in self.sockets if s.open),
            "dropped": self.dropped,
            "failed": self.failed,
        }


async def run_client(args: argparse.Namespace) -> None:
    raise_fd_limit()
    swarm = Swarm(args.host, args.port, args.path, args.count)
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)

    def say(message: dict[str, Any]) -> None:
        sys.stdout.write(json.dumps(message) + "\n")
        sys.stdout.flush()

    await swarm.connect_all()
    say({"ready": len(swarm.sockets), "failed": swarm.failed})
    while True:
        line = (await reader.readline()).decode().split()
        if not line or line[0] == "close":
            break
        if line[0] == "wait":
            say({"reached": await swarm.wait_for(int(line[1]), float(line[2]))})
        elif line[0] == "mark":
            swarm.mark()
            say({"marked": True})
        elif line[0] == "report":
            say(swarm.report(int(line[1])))
    for client in swarm.sockets:
        if client.transport is not None:
            client.transport.abort()


# --- baseline role: a bare websockets broadcast server ---------------------------------------


async def run_baseline(args: argparse.Namespace) -> None:
    from http import HTTPStatus

    from websockets.asyncio.server import broadcast, serve

    raise_fd_limit()
    listing = json.loads(Path(args.listing).read_text())
    clients: set[Any] = set()
    version = 0

    def process_request(connection, request):
        nonlocal version
        if request.path.startswith("/publish"):
            version += 1
            text = json.dumps(
                {"type": "stock", "shop": args.slug, "version": version, "listing": listing},
                ensure_ascii=False,
            )
            broadcast(clients, text)
            return connection.respond(HTTPStatus.OK, json.dumps({"version": version}))
        return None

    async def handler(connection) -> None:
        await connection.send(
            json.dumps(
                {"type": "snapshot", "shop": args.slug, "version": version, "listings": [listing]},
                ensure_ascii=False,
            )
        )
        clients.add(connection)
        try:
            await connection.wait_closed()
        finally:
            clients.discard(connection)

    sock = socket.socket(fileno=args.fd)
    async with serve(
        handler, sock=sock, process_request=process_request, compression=None, max_queue=None
    ):
        await asyncio.Future()


# --- the driver -------------------------------------------------------------------------------


class Bench:
    def __init__(self, quick: bool) -> None:
        self.quick = quick
        self.tmp = Path(tempfile.mkdtemp(prefix="dongne5km-bench-"))
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "PYTHONPATH": str(ROOT),
            "DATABASE_URL": f"sqlite:///{self.tmp / 'bench.sqlite3'}",
            "SECRET_KEY": "bench-only-secret-key-not-for-production",
            "DEBUG": "0",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "LOG_LEVEL": "WARNING",
            "CONN_MAX_AGE": "60",
            "HUEY_SQLITE_PATH": str(self.tmp / "huey.sqlite3"),
            "MEDIA_ROOT": str(self.tmp / "media"),
            "STATIC_ROOT": str(self.tmp / "static"),
            "CHANNEL_LAYER_PREFIX": f"bench-{os.getpid()}",
        }
        self.env.pop("REDIS_URL", None)
        (self.tmp / "static").mkdir()
        self.processes: list[subprocess.Popen] = []
        self.write_cpu: dict[str, float] = {}

    # processes

    def spawn(
        self,
        args: list[str],
        env: dict[str, str] | None = None,
        pass_fds: tuple[int, ...] = (),
        **kwargs: Any,
    ) -> subprocess.Popen:
        process = subprocess.Popen(
            args,
            cwd=ROOT,
            env=env or self.env,
            pass_fds=pass_fds,
            preexec_fn=raise_fd_limit,
            **kwargs,
        )
        self.processes.append(process)
        return process

    def stop(self, process: subprocess.Popen) -> None:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if process in self.processes:
            self.processes.remove(process)

    def cleanup(self) -> None:
        for process in list(self.processes):
            self.stop(process)
        shutil.rmtree(self.tmp, ignore_errors=True)

    # setup

    def setup(self) -> None:
        subprocess.run(
            [PYTHON, "manage.py", "migrate", "--noinput", "-v", "0"],
            cwd=ROOT,
            env=self.env,
            check=True,
        )
        code = (
            "import json\n"
            "from livestock import services\n"
            "from livestock.payloads import listing_payload\n"
            "from shops.models import ApiToken, Shop\n"
            "shop = Shop.objects.create(slug='bench-fruit', name='벤치 과일가게', lat=37.5559,"
            " lng=126.9019)\n"
            "listing, _ = services.post_arrival(shop=shop, name='단감', unit='팩',"
            " available=900000, price=9000, pickup_price=7900,"
            " staff_note='오늘 새벽 입고, 1인 3팩까지')\n"
            "listing.refresh_from_db()\n"
            "_t, token = ApiToken.issue(shop)\n"
            "print(json.dumps({'slug': shop.slug, 'listing_id': listing.pk, 'token': token,"
            " 'listing': listing_payload(listing)}, ensure_ascii=False))\n"
        )
        out = subprocess.run(
            [PYTHON, "manage.py", "shell", "-c", code],
            cwd=ROOT,
            env=self.env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        self.shop = json.loads(out.strip().splitlines()[-1])
        self.listing_file = self.tmp / "listing.json"
        self.listing_file.write_text(json.dumps(self.shop["listing"], ensure_ascii=False))

    # servers

    def start_daphne(self, env: dict[str, str]) -> tuple[subprocess.Popen, int]:
        sock = listening_socket()
        port = sock.getsockname()[1]
        process = self.spawn(
            [
                PYTHON,
                "-m",
                "daphne",
                "--fd",
                str(sock.fileno()),
                "-v",
                "0",
                "config.asgi:application",
            ],
            env=env,
            pass_fds=(sock.fileno(),),
        )
        sock.close()
        url = f"http://127.0.0.1:{port}/api/shops/{self.shop['slug']}"
        for _ in range(300):
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        return process, port
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("daphne did not start")

    def start_baseline(self) -> tuple[subprocess.Popen, int]:
        sock = listening_socket()
        port = sock.getsockname()[1]
        process = self.spawn(
            [
                PYTHON,
                __file__,
                "--role",
                "baseline",
                "--fd",
                str(sock.fileno()),
                "--slug",
                self.shop["slug"],
                "--listing",
                str(self.listing_file),
            ],
            pass_fds=(sock.fileno(),),
        )
        sock.close()
        for _ in range(300):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    return process, port
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("baseline server did not start")

    def start_redis(self) -> tuple[subprocess.Popen | None, str | None]:
        if shutil.which("redis-server"):
            port = free_port()
            process = self.spawn(
                [
                    "redis-server",
                    "--port",
                    str(port),
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                    "--dir",
                    str(self.tmp),
                ],
                stdout=subprocess.DEVNULL,
            )
            for _ in range(100):
                try:
                    with socket.create_connection(("127.0.0.1", port), timeout=1):
                        return process, f"redis://127.0.0.1:{port}/0"
                except OSError:
                    time.sleep(0.05)
            raise RuntimeError("redis-server did not start")
        url = os.environ.get("BENCH_REDIS_URL")
        return None, url

    # writes

    def write(self, port: int, kind: str) -> int:
        if kind == "baseline":
            request = urllib.request.Request(f"http://127.0.0.1:{port}/publish")
        else:
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/api/shops/{self.shop['slug']}/listings/"
                f"{self.shop['listing_id']}/stock",
                data=b'{"delta": -1}',
                method="POST",
                headers={
                    "Authorization": f"Bearer {self.shop['token']}",
                    "Content-Type": "application/json",
                },
            )
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())["version"]

    def measure_write_cost(self, kind: str, pids: list[int], port: int) -> float:
        """CPU the servers spend on CHANGES writes with no socket open."""
        self.write(port, kind)
        before = sum(cpu_seconds(pid) for pid in pids)
        for _ in range(CHANGES):
            self.write(port, kind)
        time.sleep(0.2)
        return sum(cpu_seconds(pid) for pid in pids) - before

    # clients

    def start_clients(self, ports: list[int], total: int) -> list[subprocess.Popen]:
        processes = max(len(ports), math.ceil(total / SOCKETS_PER_CLIENT))
        clients = []
        for i in range(processes):
            count = total // processes + (1 if i < total % processes else 0)
            port = ports[i % len(ports)]
            clients.append(
                self.spawn(
                    [
                        PYTHON,
                        __file__,
                        "--role",
                        "client",
                        "--port",
                        str(port),
                        "--path",
                        f"/ws/shops/{self.shop['slug']}/",
                        "--count",
                        str(count),
                    ],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    text=True,
                    bufsize=1,
                )
            )
        return clients

    @staticmethod
    def ask(clients: list[subprocess.Popen], command: str | None) -> list[dict[str, Any]]:
        if command is not None:
            for client in clients:
                client.stdin.write(command + "\n")
                client.stdin.flush()
        return [json.loads(client.stdout.readline()) for client in clients]

    def close_clients(self, clients: list[subprocess.Popen]) -> None:
        for client in clients:
            try:
                client.stdin.write("close\n")
                client.stdin.flush()
            except BrokenPipeError:
                pass
        for client in clients:
            try:
                client.wait(timeout=30)
            except subprocess.TimeoutExpired:
                client.kill()
            if client in self.processes:
                self.processes.remove(client)

    # one scenario

    def scenario(self, kind: str, n: int) -> dict[str, Any]:
        servers: list[tuple[subprocess.Popen, int]] = []
        if kind == "baseline":
            servers.append(self.start_baseline())
        elif kind in HUB_PATHS:
            servers.append(self.start_daphne({**self.env, "REALTIME_WRITE_PATH": HUB_PATHS[kind]}))
        else:
            env = {**self.env, "REDIS_URL": self.redis_url}
            servers += [self.start_daphne(env), self.start_daphne(env)]
        pids = [process.pid for process, _port in servers]
        ports = [port for _process, port in servers]
        if kind not in self.write_cpu:
            self.write_cpu[kind] = self.measure_write_cost(kind, pids, ports[0])
        rss_before = sum(rss_kb(pid) for pid in pids)

        clients = self.start_clients(ports, n)
        ready = self.ask(clients, None)
        connected = sum(r["ready"] for r in ready)
        time.sleep(0.5)
        rss_after = sum(rss_kb(pid) for pid in pids)
        self.ask(clients, "mark")

        cpu_before = sum(cpu_seconds(pid) for pid in pids)
        started: dict[int, float] = {}
        complete: dict[int, bool] = {}
        for _ in range(CHANGES):
            t0 = time.time()
            version = self.write(ports[0], kind)
            started[version] = t0
            reached = self.ask(clients, f"wait {version} 20")
            complete[version] = sum(r["reached"] for r in reached) >= connected
            time.sleep(0.02)
        cpu = sum(cpu_seconds(pid) for pid in pids) - cpu_before
        final = max(started)
        time.sleep(0.3)
        reports = self.ask(clients, f"report {final}")
        self.close_clients(clients)
        for process, _port in servers:
            self.stop(process)

        arrivals: dict[int, list[float]] = defaultdict(list)
        for report in reports:
            for v, times in report["arrivals"].items():
                arrivals[int(v)].extend(times)
        all_received = [
            (max(arrivals[v]) - t0) * 1000
            for v, t0 in started.items()
            if complete[v] and arrivals[v]
        ]
        per_delivery = [(t - t0) * 1000 for v, t0 in started.items() for t in arrivals[v]]
        frames = sum(r["frames"] for r in reports)
        net_cpu = max(0.0, cpu - self.write_cpu[kind])
        return {
            "kind": kind,
            "n": n,
            "connected": connected,
            "failed": sum(r["failed"] for r in ready),
            "frames": frames,
            "cpu_us": cpu / frames * 1e6 if frames else float("nan"),
            "net_cpu_us": net_cpu / frames * 1e6 if frames else float("nan"),
            "p50_ms": percentile(all_received, 0.50),
            "p99_ms": percentile(all_received, 0.99),
            "delivery_p99_ms": percentile(per_delivery, 0.99),
            "incomplete": sum(1 for ok in complete.values() if not ok),
            "lost": sum(r["lost"] for r in reports),
            "gaps": sum(r["gaps"] for r in reports),
            "reordered": sum(r["reordered"] for r in reports),
            "dropped": sum(r["dropped"] for r in reports),
            "rss_kb": (rss_after - rss_before) / max(1, connected),
            "all_received_ms": [round(ms, 1) for ms in all_received],
        }

    def idle(self, kind: str, n: int) -> dict[str, Any]:
        if kind == "baseline":
            process, port = self.start_baseline()
        else:
            process, port = self.start_daphne(self.env)
        rss_before = rss_kb(process.pid)
        clients = self.start_clients([port], n)
        ready = self.ask(clients, None)
        connected = sum(r["ready"] for r in ready)
        time.sleep(1.0)
        rss_after = rss_kb(process.pid)
        self.close_clients(clients)
        self.stop(process)
        return {
            "kind": kind,
            "n": n,
            "connected": connected,
            "rss_kb": (rss_after - rss_before) / max(1, connected),
            "rss_total_mb": rss_after / 1024,
        }


LABELS = {
    "baseline": "websockets baseline",
    "hub": "daphne + hub, in-memory layer",
    "hub-prepared": "daphne + hub, autobahn PreparedMessage",
    "hub-asgi": "daphne + hub, ASGI send only",
    "redis": "2 × daphne + hub, Redis pub/sub",
}
# The hub's ways of writing a frame to a daphne socket (realtime/wire.py): "hub" is the
# default direct write; --paths adds the others to compare in the same run.
HUB_PATHS = {"hub": "direct", "hub-prepared": "prepared", "hub-asgi": "asgi"}


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{os.cpu_count()} cores ({model}), {memory:.0f} GiB RAM, "
        f"{platform.system()} {platform.release()}, Python {platform.python_version()}"
    )


def print_table(results: list[dict[str, Any]], idle: list[dict[str, Any]]) -> list[str]:
    baseline = {r["n"]: r for r in results if r["kind"] == "baseline"}
    lines = [
        "| setup | N | CPU µs/frame | net of writes | × baseline | p50 all-recv ms | "
        "p99 all-recv ms | × baseline | lost | reordered | gaps | RSS KB/socket |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        base = baseline.get(r["n"])
        cpu_ratio = r["cpu_us"] / base["cpu_us"] if base else float("nan")
        p99_ratio = r["p99_ms"] / base["p99_ms"] if base else float("nan")
        n = f"{r['n']:,}" + ("" if r["connected"] == r["n"] else f" ({r['connected']:,} open)")
        lines.append(
            f"| {LABELS[r['kind']]} | {n} | {r['cpu_us']:.1f} | {r['net_cpu_us']:.1f} | "
            f"{cpu_ratio:.2f} | {r['p50_ms']:.0f} | {r['p99_ms']:.0f} | {p99_ratio:.2f} | "
            f"{r['lost']} | {r['reordered']} | {r['gaps']} | {r['rss_kb']:.1f} |"
        )
    lines += ["", "| idle sockets | N | RSS KB/socket | process RSS MB |", "|---|---:|---:|---:|"]
    for r in idle:
        lines.append(
            f"| {LABELS[r['kind']]} | {r['connected']:,} | {r['rss_kb']:.1f} | "
            f"{r['rss_total_mb']:.0f} |"
        )
    return lines


def goals(results: list[dict[str, Any]], idle: list[dict[str, Any]]) -> list[str]:
    baseline = {r["n"]: r for r in results if r["kind"] == "baseline"}
    out = []
    for r in results:
        if r["kind"] == "baseline" or r["n"] not in baseline:
            continue
        ratio = r["cpu_us"] / baseline[r["n"]]["cpu_us"]
        out.append(
            f"{'met ' if ratio <= GOAL_CPU_RATIO else 'MISSED'} CPU/frame ≤ "
            f"{GOAL_CPU_RATIO:g}× baseline: {LABELS[r['kind']]}, N={r['n']:,}: "
            f"{ratio:.2f}×"
        )
        if r["n"] == GOAL_P99_AT:
            p99 = r["p99_ms"] / baseline[r["n"]]["p99_ms"]
            out.append(
                f"{'met ' if p99 <= GOAL_P99_RATIO else 'MISSED'} p99 all-received ≤ "
                f"{GOAL_P99_RATIO:g}× baseline: {LABELS[r['kind']]}, N={r['n']:,}: "
                f"{p99:.2f}×"
            )
        out.append(
            f"{'met ' if r['lost'] == 0 else 'MISSED'} 0 lost after resync: "
            f"{LABELS[r['kind']]}, N={r['n']:,}: {r['lost']}"
        )
    for r in idle:
        if r["kind"] != "baseline":
            out.append(
                f"{'met ' if r['rss_kb'] <= GOAL_IDLE_KB else 'MISSED'} ≤ "
                f"{GOAL_IDLE_KB:g} KB RSS per idle socket at {r['connected']:,}: "
                f"{r['rss_kb']:.1f} KB"
            )
    return out


def main(args: argparse.Namespace) -> int:
    raise_fd_limit()
    bench = Bench(args.quick)
    sizes = QUICK_SIZES if args.quick else SIZES
    idle_n = 1000 if args.quick else IDLE
    began = time.time()
    try:
        bench.setup()
        redis_process, bench.redis_url = bench.start_redis()
        results: list[dict[str, Any]] = []
        kinds = (
            ["baseline", "hub"]
            + [f"hub-{path}" for path in args.paths]
            + (["redis"] if bench.redis_url and not args.no_redis else [])
        )
        for n in sizes:
            for kind in kinds:
                result = bench.scenario(kind, n)
                results.append(result)
                print(
                    f"  {LABELS[kind]}, N={n:,}: {result['cpu_us']:.1f} µs/frame, "
                    f"p99 {result['p99_ms']:.0f} ms, lost {result['lost']}",
                    flush=True,
                )
        idle = [bench.idle("baseline", idle_n), bench.idle("hub", idle_n)]
        if redis_process is not None:
            bench.stop(redis_process)
    finally:
        bench.cleanup()
    print()
    print(f"Machine: {machine()}; {CHANGES} changes per run; took {time.time() - began:.0f} s")
    if not bench.redis_url:
        print("Redis runs skipped: no redis-server on PATH and no BENCH_REDIS_URL.")
    print()
    print("\n".join(print_table(results, idle)))
    print()
    print("\n".join(goals(results, idle)))
    raw = Path(tempfile.gettempdir()) / "dongne5km-bench-fanout.json"
    raw.write_text(json.dumps({"machine": machine(), "results": results, "idle": idle}, indent=1))
    print(f"\nraw figures (each change's all-received time included): {raw}")
    return 0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--role", choices=["driver", "client", "baseline"], default="driver")
    parser.add_argument("--quick", action="store_true", help="small N, for a smoke run")
    parser.add_argument(
        "--paths",
        type=lambda v: [p for p in v.split(",") if p],
        default=[],
        help="also measure these hub write paths: prepared,asgi",
    )
    parser.add_argument("--no-redis", action="store_true", help="skip the two-process run")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int)
    parser.add_argument("--path")
    parser.add_argument("--count", type=int)
    parser.add_argument("--fd", type=int)
    parser.add_argument("--slug")
    parser.add_argument("--listing")
    return parser.parse_args()


if __name__ == "__main__":
    arguments = parse_args()
    if arguments.role == "client":
        asyncio.run(run_client(arguments))
    elif arguments.role == "baseline":
        asyncio.run(run_baseline(arguments))
    else:
        sys.exit(main(arguments))
