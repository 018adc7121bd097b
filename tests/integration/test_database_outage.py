"""PostgreSQL goes away for a while: calm 503s (page or JSON), never a traceback, then recovery.

The server reaches PostgreSQL through a TCP proxy the test can cut, so the shared database
server stays up for everyone else while this daphne sees it disappear and come back.
"""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from collections.abc import Iterator
from urllib.parse import urlsplit, urlunsplit

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from tests.support.processes import REPO, Daphne, FormSession, http, server_env
from tests.support.services import postgres_server_url
from tests.support.tcpproxy import TcpProxy

pytestmark = [pytest.mark.postgres, pytest.mark.multiprocess]

SETUP = """
from tests import factories
shop = factories.make_shop()
factories.make_listing(shop, available=50)
factories.make_owner(shop)
print(factories.make_token(shop))
"""


def _with_database(url: str, name: str, netloc: str | None = None) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}", netloc=netloc or parts.netloc))


@pytest.fixture(scope="module")
def outage_database() -> Iterator[str]:
    """A migrated database of this module's own on the PostgreSQL server."""
    import psycopg

    server = postgres_server_url()
    name = f"test_outage_{uuid.uuid4().hex[:10]}"
    admin = _with_database(server, "postgres")
    with psycopg.connect(admin.replace("postgres://", "postgresql://", 1), autocommit=True) as db:
        db.execute(f'CREATE DATABASE "{name}"')
    url = _with_database(server, name)
    try:
        env = server_env(url)
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
            cwd=REPO,
            env=env,
            check=True,
            timeout=300,
        )
        yield url
    finally:
        with psycopg.connect(
            admin.replace("postgres://", "postgresql://", 1), autocommit=True
        ) as db:
            db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def shop_token(outage_database) -> str:
    env = server_env(outage_database)
    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", SETUP],
        cwd=REPO,
        env=env,
        check=True,
        timeout=120,
        capture_output=True,
        text=True,
    )
    return done.stdout.strip().splitlines()[-1]


@pytest.fixture
def server_behind_proxy(outage_database) -> Iterator[tuple[Daphne, TcpProxy]]:
    parts = urlsplit(outage_database)
    proxy = TcpProxy([(parts.hostname or "127.0.0.1", parts.port or 5432)])
    userinfo = parts.netloc.rpartition("@")[0]
    netloc = f"{userinfo}@127.0.0.1:{proxy.port}" if userinfo else f"127.0.0.1:{proxy.port}"
    server = Daphne(
        server_env(
            _with_database(outage_database, parts.path.lstrip("/"), netloc),
            LIVESTOCK_HEARTBEAT_SECONDS="0.5",
        ),
        name="daphne-pg-outage",
    )
    try:
        yield server.start(), proxy
    finally:
        server.stop()
        proxy.close()


def test_requests_get_a_clear_503_while_postgres_is_away_and_recover(
    server_behind_proxy, shop_token
):
    server, proxy = server_behind_proxy
    slug = "mangwon-fruit"
    auth = {"Authorization": f"Bearer {shop_token}"}
    status, _h, body = http("GET", f"{server.url}/api/shops/{slug}")
    assert status == 200
    listing_id = json.loads(body)["listings"][0]["id"]
    stock_url = f"{server.url}/api/shops/{slug}/listings/{listing_id}/stock"
    owner = FormSession(server.url)
    owner.log_in("owner", "pw-for-tests-1", f"/owner/s/{slug}/")
    watcher = connect(f"{server.ws_url}/ws/shops/{slug}/", origin=server.url, proxy=None)
    watcher = watcher.__enter__()
    assert json.loads(watcher.recv(timeout=10))["type"] == "snapshot"

    proxy.outage()

    status, headers, body = http("GET", f"{server.url}/s/{slug}/", headers={"Accept": "text/html"})
    page = body.decode()
    assert status == 503
    assert headers.get("Retry-After")
    assert "잠시" in page and "Traceback" not in page and "OperationalError" not in page

    for method, url, payload in [
        ("GET", f"{server.url}/api/shops/{slug}", None),
        ("GET", f"{server.url}/api/shops/{slug}/stock?since=0", None),
        ("POST", stock_url, {"delta": -1}),
    ]:
        status, headers, body = http(method, url, payload, headers=auth)
        assert status == 503, (method, url, body)
        assert json.loads(body)["code"] == "service_unavailable"

    # The owner console: the page is the calm 503; a count button's fetch gets JSON whose
    # detail owner.js shows under the item.
    status, _url, page = owner.open(f"/owner/s/{slug}/")
    assert status == 503 and "잠시" in page and "Traceback" not in page
    status, _url, body = owner.open(
        f"/owner/s/{slug}/listings/{listing_id}/stock/",
        {"delta": "-1"},
        headers={"Accept": "application/json"},
    )
    assert status == 503 and json.loads(body)["code"] == "service_unavailable"

    status, _h, body = http("GET", f"{server.url}/healthz")
    assert status == 503 and json.loads(body)["database"] is False

    # A live socket cannot start without the database: it is closed with 4503 (try again
    # later) and the browser's reconnect loop, with its polling fallback, keeps trying.
    with connect(
        f"{server.ws_url}/ws/shops/{slug}/", origin=server.url, open_timeout=10, proxy=None
    ) as socket:
        with pytest.raises(ConnectionClosed) as closed:
            socket.recv(timeout=10)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4503
    assert "Exception inside application" not in server.log_text(), "closed by a crash"

    # A socket opened before the outage stays open; its heartbeats pause while the
    # database is away (a few beats fall in that window) and must come back afterwards.
    while True:
        try:
            watcher.recv(timeout=2)
        except TimeoutError:
            break
    proxy.restore()
    after = json.loads(watcher.recv(timeout=10))
    assert after == {"type": "heartbeat", "version": 1}
    watcher.close()

    status, _h, body = http("POST", stock_url, {"delta": -1}, headers=auth)
    assert status == 200, body
    assert json.loads(body)["available"] == 49
    status, _h, body = http("GET", f"{server.url}/s/{slug}/", headers={"Accept": "text/html"})
    assert status == 200 and "49" in body.decode()
    assert "Traceback" not in server.log_text()
