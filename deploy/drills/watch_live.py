#!/usr/bin/env python3
"""Watch a shop's live counts from several websocket clients while you break things.

    python deploy/drills/watch_live.py https://dongne5km.kr mangwon-fruit --clients 6 \\
        [--token TOKEN --listing ID] [--seconds 120]

Each client follows the live protocol (apply a change only when its version is the next
one, resync otherwise, reconnect with backoff). With a token and listing id the script also
sells one and restocks one every second through the API. At the end every client must show
what ``GET /api/shops/<slug>/stock`` says; the exit status is 1 if any does not.
Needs only the ``websockets`` package (installed with the project's dev extras).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import time
import urllib.request

import websockets


class Client:
    def __init__(self, number: int, url: str, origin: str) -> None:
        self.number, self.url, self.origin = number, url, origin
        self.version = 0
        self.counts: dict[int, int] = {}
        self.connections = 0
        self.stop = False

    def log(self, text: str) -> None:
        print(f"{time.strftime('%H:%M:%S')} client {self.number}: {text}", flush=True)

    async def run(self) -> None:
        attempt = 0
        while not self.stop:
            try:
                async with websockets.connect(
                    self.url, origin=self.origin, open_timeout=10, close_timeout=1
                ) as socket:
                    self.connections += 1
                    attempt = 0
                    if self.connections > 1:
                        self.log(f"reconnected (#{self.connections}) at v{self.version}")
                    async for frame in socket:
                        await self.apply(socket, json.loads(frame))
                        if self.stop:
                            return
            except (TimeoutError, OSError, websockets.WebSocketException) as error:
                if self.stop:
                    return
                attempt += 1
                delay = min(30.0, 0.5 * 2 ** min(attempt - 1, 6)) * (0.5 + random.random())
                self.log(f"disconnected ({type(error).__name__}: {error}); retry in {delay:.1f}s")
                await asyncio.sleep(delay)

    async def apply(self, socket, message: dict) -> None:
        kind = message.get("type")
        if kind == "snapshot":
            self.counts = {item["id"]: item["available"] for item in message["listings"]}
            self.version = message["version"]
        elif kind == "stock":
            if message["version"] == self.version + 1:
                self.version = message["version"]
                self.counts[message["listing"]["id"]] = message["listing"]["available"]
            elif message["version"] > self.version:
                await socket.send(json.dumps({"type": "resync", "version": self.version}))
        elif kind == "heartbeat" and message["version"] > self.version:
            self.log(f"heartbeat v{message['version']} ahead of v{self.version}: resync")
            await socket.send(json.dumps({"type": "resync", "version": self.version}))


def api(method: str, url: str, token: str | None = None, body: dict | None = None) -> dict:
    headers = {"Accept": "application/json", "Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    with urllib.request.urlopen(
        urllib.request.Request(url, data, headers, method=method), timeout=10
    ) as response:
        return json.loads(response.read())


async def sell_and_restock(base: str, slug: str, token: str, listing: int, stop) -> None:
    url = f"{base}/api/shops/{slug}/listings/{listing}/stock"
    delta = -1
    while not stop.is_set():
        try:
            result = await asyncio.to_thread(api, "POST", url, token, {"delta": delta})
            print(
                f"{time.strftime('%H:%M:%S')} change {delta:+d} → {result['available']} "
                f"(v{result['version']})",
                flush=True,
            )
            delta = -delta
        except Exception as error:  # report and keep going: the point is to see failures
            print(f"{time.strftime('%H:%M:%S')} change failed: {error}", flush=True)
        await asyncio.sleep(1)


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("base", help="site URL, e.g. https://dongne5km.kr")
    parser.add_argument("slug")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--token")
    parser.add_argument("--listing", type=int)
    args = parser.parse_args()
    base = args.base.rstrip("/")
    ws = base.replace("https://", "wss://", 1).replace("http://", "ws://", 1)
    clients = [Client(n + 1, f"{ws}/ws/shops/{args.slug}/", base) for n in range(args.clients)]
    tasks = [asyncio.create_task(client.run()) for client in clients]
    stop = asyncio.Event()
    if args.token and args.listing:
        tasks.append(
            asyncio.create_task(sell_and_restock(base, args.slug, args.token, args.listing, stop))
        )
    await asyncio.sleep(args.seconds)
    stop.set()
    await asyncio.sleep(3)  # let the last changes arrive
    truth = await asyncio.to_thread(api, "GET", f"{base}/api/shops/{args.slug}/stock")
    expected = {item["id"]: item["available"] for item in truth["listings"]}
    for client in clients:
        client.stop = True
    for task in tasks:
        task.cancel()
    failed = 0
    for client in clients:
        wrong = {k: v for k, v in client.counts.items() if expected.get(k, v) != v}
        ok = client.version == truth["version"] and not wrong
        failed += not ok
        print(
            f"client {client.number}: v{client.version} (server v{truth['version']}), "
            f"{client.connections} connection(s), {'OK' if ok else f'WRONG {wrong}'}"
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
