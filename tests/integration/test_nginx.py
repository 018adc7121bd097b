"""deploy/compose/nginx.conf in front of two daphne processes, run for real.

The same routing as deploy/nginx.conf (which adds TLS): static files straight from the
collected directory, websocket upgrade on /ws/, an upstream of several daphne processes.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from axes.models import AccessAttempt

from livestock.models import Listing
from tests.support.history import wrong_states
from tests.support.live_client import LiveClient
from tests.support.media import HTML, SCRIPT, SVG, movie, png
from tests.support.processes import (
    REPO,
    FormSession,
    free_port,
    http,
    server_env,
    wait_until,
)
from tests.support.services import nginx_binary, port_open

pytestmark = [pytest.mark.multiprocess, pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def nginx_config(tmp: Path, port: int, upstreams: list[int], static: Path, media: Path) -> Path:
    site = (REPO / "deploy" / "compose" / "nginx.conf").read_text()
    site = site.replace("server web1:8000", f"server 127.0.0.1:{upstreams[0]}")
    site = site.replace("server web2:8000", f"server 127.0.0.1:{upstreams[1]}")
    site = site.replace("listen 80;", f"listen 127.0.0.1:{port};")
    site = site.replace("/srv/dongne5km/staticfiles/", f"{static}/")
    site = site.replace("/srv/dongne5km/media/", f"{media}/")
    assert f"127.0.0.1:{upstreams[1]}" in site and f"{static}/" in site
    (tmp / "site.conf").write_text(site)
    user = "user root;\n" if os.geteuid() == 0 else ""
    main = tmp / "nginx.conf"
    main.write_text(
        f"{user}worker_processes 1;\npid {tmp}/nginx.pid;\nerror_log {tmp}/error.log;\n"
        "events {}\nhttp {\n  include /etc/nginx/mime.types;\n"
        f"  access_log {tmp}/access.log;\n"
        + "".join(
            f"  {kind}_temp_path {tmp}/{kind};\n"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        + f"  include {tmp}/site.conf;\n}}\n"
    )
    return main


@pytest.fixture
def nginx_pair(start_daphne, live_redis_url, tmp_path):
    binary = nginx_binary()
    static = tmp_path / "static"
    media = tmp_path / "media"
    media.mkdir()
    env = server_env("sqlite:///unused.sqlite3", STATIC_ROOT=str(static))
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=REPO,
        env=env,
        check=True,
        timeout=300,
    )
    extra = {"STATIC_ROOT": str(static), "MEDIA_ROOT": str(media), "SERVE_MEDIA": "0"}
    a = start_daphne(live_redis_url, name="daphne-nginx-a", **extra)
    b = start_daphne(live_redis_url, name="daphne-nginx-b", **extra)
    port = free_port()
    config = nginx_config(tmp_path, port, [a.port, b.port], static, media)
    nginx = subprocess.Popen(
        [binary, "-c", str(config), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_until(lambda: port_open("127.0.0.1", port, 0.2), 15, 0.05, "nginx")
        yield f"http://127.0.0.1:{port}", a, b
    finally:
        nginx.terminate()
        nginx.wait(10)


def test_nginx_serves_static_proxies_pages_and_keeps_sockets_live_across_a_dead_process(
    nginx_pair, shop, listing, token
):
    base, a, b = nginx_pair
    status, _headers, body = http("GET", f"{base}/s/{shop.slug}/", headers={"Accept": "text/html"})
    assert status == 200
    css = re.search(r'href="(/static/css/app\.[0-9a-f]{12}\.css)"', body.decode()).group(1)
    status, headers, _body = http("GET", f"{base}{css}")
    assert status == 200 and "immutable" in headers.get("Cache-Control", "")
    assert css not in a.log_text() + b.log_text(), "static file was not served by nginx"

    ws = base.replace("http://", "ws://")
    clients = [
        LiveClient(url=lambda: f"{ws}/ws/shops/{shop.slug}/", origin=lambda: base) for _ in range(4)
    ]
    for client in clients:
        client.connect()
        client.pump(lambda c: bool(c.messages), timeout=15)
    assert "WSCONNECT" in a.log_text() and "WSCONNECT" in b.log_text(), "not spread over both"

    auth = {"Authorization": f"Bearer {token}"}
    stock = f"{base}/api/shops/{shop.slug}/listings/{listing.pk}/stock"
    status, _headers, body = http("POST", stock, {"delta": -3}, headers=auth)
    assert status == 200, body
    version = int(re.search(rb'"version": (\d+)', body).group(1))
    for client in clients:
        client.pump(lambda c: c.version == version, timeout=20)

    a.kill()
    for delta in (-2, 5):
        status, _headers, body = http("POST", stock, {"delta": delta}, headers=auth)
        assert status == 200, body
    version = int(re.search(rb'"version": (\d+)', body).group(1))
    for client in clients:
        client.pump(lambda c: c.version == version, timeout=30)

    final = Listing.objects.get(pk=listing.pk).available
    assert final == 200 - 3 - 2 + 5
    assert [client.counts[listing.pk] for client in clients] == [final] * len(clients)
    assert sum(client.connections for client in clients) > len(clients), "nobody reconnected"
    for client in clients:
        assert wrong_states(client.shown, shop.pk) == []
        client.close()


def media_block(config: str) -> str:
    """The /media/ location and the map it reads, as written in a config."""
    location = re.search(r"\n    location /media/ \{.*?\n    \}\n", config, re.S)
    disposition = re.search(r"\nmap \$uri \$media_disposition \{.*?\n\}\n", config, re.S)
    assert location and disposition, "no /media/ location or no $media_disposition map"
    return disposition.group(0) + location.group(0)


def test_the_tls_config_serves_media_exactly_as_the_tested_one():
    tested = (REPO / "deploy" / "compose" / "nginx.conf").read_text()
    tls = (REPO / "deploy" / "nginx.conf").read_text()
    assert media_block(tls) == media_block(tested)


@pytest.fixture
def media_nginx(tmp_path):
    """deploy/compose/nginx.conf on its own: /media/ never reaches the (absent) upstreams."""
    binary = nginx_binary()
    media = tmp_path / "media"
    (media / "listings" / "1").mkdir(parents=True)
    port = free_port()
    config = nginx_config(tmp_path, port, [free_port(), free_port()], tmp_path / "static", media)
    nginx = subprocess.Popen(
        [binary, "-c", str(config), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_until(lambda: port_open("127.0.0.1", port, 0.2), 15, 0.05, "nginx")
        yield f"http://127.0.0.1:{port}/media/listings/1", media / "listings" / "1"
    finally:
        nginx.terminate()
        nginx.wait(10)


@pytest.mark.parametrize(
    ("name", "data", "content_type", "download"),
    [
        ("photo.png", png(), "image/png", False),
        ("photo.JPG", b"\xff\xd8\xff\xe0", "image/jpeg", False),
        ("clip.mp4", movie(3), "video/mp4", False),
        ("clip.mov", movie(3, brand=b"qt  "), "video/quicktime", False),
        # Files written past the upload checks (by an older release, say).
        ("old.html", HTML, "application/octet-stream", True),
        ("old.js", SCRIPT, "application/octet-stream", True),
        ("old.svg", SVG, "application/octet-stream", True),
        ("old.png.html", HTML, "application/octet-stream", True),
    ],
    ids=lambda value: value if isinstance(value, str) and "." in value else "",
)
def test_nginx_sends_media_sandboxed_and_anything_but_photos_and_clips_as_downloads(
    media_nginx, name, data, content_type, download
):
    base, folder = media_nginx
    (folder / name).write_bytes(data)
    status, headers, body = http("GET", f"{base}/{name}")
    assert status == 200 and body == data
    assert headers["Content-Type"] == content_type
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Content-Security-Policy"].endswith("; sandbox")
    assert "script-src" not in headers["Content-Security-Policy"]
    assert (headers.get("Content-Disposition") == "attachment") is download
    status, headers, _body = http("GET", f"{base}/missing.html")
    assert status == 404 and "sandbox" in headers["Content-Security-Policy"]


def test_every_shipped_nginx_config_replaces_the_forwarded_for_header():
    """Daphne trusts the leftmost X-Forwarded-For entry, so nginx must never append to the
    client's own header: each proxied location sets it to the address nginx saw."""
    configs = [
        path for path in (REPO / "deploy").rglob("*.conf") if "proxy_pass" in path.read_text()
    ]
    assert len(configs) >= 2
    for config in configs:
        text = re.sub(r"#.*", "", config.read_text())
        assert "$proxy_add_x_forwarded_for" not in text, config
        locations = text.count("proxy_pass ")
        assert text.count("proxy_set_header X-Forwarded-For $remote_addr;") == locations, config
        assert text.count("proxy_set_header X-Real-IP $remote_addr;") == locations, config


def test_a_forged_forwarded_for_header_does_not_escape_the_per_ip_limit(nginx_pair, owner):
    """Eleven wrong sign-ins for eleven different accounts, each claiming another client IP
    in X-Forwarded-For: through nginx they all come from one address, so the per-IP sign-in
    limit trips and even the right password is refused from there."""
    base, _a, _b = nginx_pair
    session = FormSession(base)
    session.open("/owner/login/")
    statuses = []
    for attempt in range(10):
        status, _url, _body = session.open(
            "/owner/login/",
            {"username": f"nobody{attempt}", "password": "guess"},
            headers={
                "X-Forwarded-For": f"203.0.113.{attempt}",
                "X-Real-IP": f"203.0.113.{attempt}",
            },
        )
        statuses.append(status)
    assert statuses[:9] == [200] * 9
    status, _url, body = session.open(
        "/owner/login/",
        {"username": owner.username, "password": "pw-for-tests-1"},
        headers={"X-Forwarded-For": "198.51.100.7"},
    )
    assert status == 429, body[:300]
    assert "로그인에 여러 번 실패해" in body
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True).distinct()) == [
        "127.0.0.1"
    ]
