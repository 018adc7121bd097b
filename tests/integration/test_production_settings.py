"""Production settings: `check --deploy` is clean behind TLS, and plain HTTP with DEBUG=0 works."""

from __future__ import annotations

import gzip
import json
import re
import subprocess
import sys
import urllib.request

import brotli
import pytest
from websockets.sync.client import connect

from tests.support.processes import REPO, FormSession, server_env

PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "k7#vQ2!pZr9@Lw4$Xn8^Bt6&Hy3*Jm5(Ds1)Fg0_Ce2+Ua7=Wq9-Ro4~Ti6",
    "ALLOWED_HOSTS": "dongne5km.kr,www.dongne5km.kr",
    "CSRF_TRUSTED_ORIGINS": "https://dongne5km.kr,https://www.dongne5km.kr",
    "SECURE_SSL_REDIRECT": "1",
    "SESSION_COOKIE_SECURE": "1",
    "CSRF_COOKIE_SECURE": "1",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": "1",
    "SECURE_HSTS_PRELOAD": "1",
    "SECURE_PROXY_SSL_HEADER": "1",
}


def test_check_deploy_is_clean_with_production_env(tmp_path):
    env = server_env(
        f"sqlite:///{tmp_path / 'db.sqlite3'}", "redis://127.0.0.1:6379/0", **PRODUCTION
    )
    done = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout


def test_check_deploy_is_clean_with_the_shipped_env_example(tmp_path):
    """deploy/env.example as shipped (docs/deployment.md copies it to /etc/dongne5km/env)."""
    shipped = {}
    for line in (REPO / "deploy" / "env.example").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            shipped[key.strip()] = value.strip()
    assert shipped["DEBUG"] == "0" and shipped["SECRET_KEY"]
    env = server_env(shipped["DATABASE_URL"], shipped["REDIS_URL"], **shipped)
    env["STATIC_ROOT"], env["MEDIA_ROOT"] = str(tmp_path / "static"), str(tmp_path / "media")
    done = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout


def test_debug_off_refuses_to_start_without_a_secret_key(tmp_path):
    env = server_env(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    del env["SECRET_KEY"]
    done = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0
    assert "SECRET_KEY must be set" in done.stderr


@pytest.mark.multiprocess
@pytest.mark.django_db(transaction=True)
def test_plain_http_run_with_debug_off_serves_pages_static_login_and_websockets(
    start_daphne, shop, listing, owner
):
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    owner.password = PBKDF2PasswordHasher().encode(
        "plain-http-pw-1", "plainsalt123", iterations=1000
    )
    owner.save(update_fields=["password"])
    server = start_daphne(name="daphne-plain-http")
    browser = FormSession(server.url)

    status, _url, page = browser.open(f"/s/{shop.slug}/")
    assert status == 200
    assert f">{listing.available}<" in page
    for asset in re.findall(r'(?:href|src)="(/static/[^"]+)"', page):
        assert browser.open(asset)[0] == 200, asset

    console = browser.log_in(owner.username, "plain-http-pw-1", f"/owner/s/{shop.slug}/")
    assert "data-stock-form" in console
    assert not browser.cookie("csrftoken").secure
    assert not browser.cookie("sessionid").secure
    status, _url, _body = browser.open(
        f"/owner/s/{shop.slug}/listings/{listing.pk}/stock/", {"delta": "-1"}
    )
    assert status == 200
    listing.refresh_from_db()
    assert listing.available == 199

    with connect(f"{server.ws_url}/ws/shops/{shop.slug}/", origin=server.url, proxy=None) as socket:
        snapshot = json.loads(socket.recv(timeout=10))
    assert snapshot["type"] == "snapshot"
    assert snapshot["listings"][0]["available"] == 199


@pytest.mark.multiprocess
@pytest.mark.django_db(transaction=True)
def test_collected_static_files_are_served_hashed_with_debug_off(start_daphne, shop, tmp_path):
    static_root = tmp_path / "static"
    env = server_env("sqlite:///unused.sqlite3", STATIC_ROOT=str(static_root))
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=REPO,
        env=env,
        check=True,
        timeout=300,
    )
    assert (static_root / "staticfiles.json").exists()
    server = start_daphne(name="daphne-collected", STATIC_ROOT=str(static_root))
    with urllib.request.urlopen(f"{server.url}/s/{shop.slug}/") as response:
        page = response.read().decode()
    css = re.search(r'href="(/static/css/app\.[0-9a-f]{12}\.css)"', page)
    assert css, "stylesheet link is not the hashed name"
    with urllib.request.urlopen(f"{server.url}{css.group(1)}") as response:
        assert response.status == 200
        assert "immutable" in response.headers.get("Cache-Control", "")
        plain = response.read()
    # Pre-compressed beside each file, sent to whoever asks, cached for years.
    for accept, encoding, decode in (
        ("gzip", "gzip", gzip.decompress),
        ("br, gzip", "br", brotli.decompress),
    ):
        request = urllib.request.Request(
            f"{server.url}{css.group(1)}", headers={"Accept-Encoding": accept}
        )
        with urllib.request.urlopen(request) as response:
            assert response.headers["Content-Encoding"] == encoding
            assert "Accept-Encoding" in response.headers["Vary"]
            max_age = re.search(r"max-age=(\d+)", response.headers["Cache-Control"])
            assert int(max_age.group(1)) >= 365 * 24 * 3600
            body = response.read()
            assert len(body) < len(plain) and decode(body) == plain
    assert (static_root / css.group(1).removeprefix("/static/")).with_suffix(".css.br").exists()


@pytest.mark.parametrize(
    ("extra", "served"),
    [
        ({}, False),
        ({"SERVE_MEDIA": "1"}, True),
        ({"DEBUG": "1"}, True),
        ({"DEBUG": "1", "SERVE_MEDIA": "0"}, False),
    ],
)
def test_django_serves_media_under_debug_or_when_told_to(tmp_path, extra, served):
    media = tmp_path / "media"
    (media / "listings").mkdir(parents=True)
    (media / "listings" / "old.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    env = server_env(f"sqlite:///{tmp_path / 'db.sqlite3'}", MEDIA_ROOT=str(media), **extra)
    if "SERVE_MEDIA" not in extra:
        env.pop("SERVE_MEDIA", None)
    script = (
        "from django.conf import settings; from django.test import Client; "
        "print(settings.SERVE_MEDIA, "
        "Client().get('/media/listings/old.png', HTTP_HOST='localhost').status_code)"
    )
    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", script],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1].split() == [str(served), "200" if served else "404"]
