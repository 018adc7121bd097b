"""`make run` on a busy port says so and how to pick another; under DEBUG (make run) an
unknown shop shows the site's own 404 page, not Django's technical one."""

from __future__ import annotations

import shutil
import socket
import subprocess
from pathlib import Path

import pytest
from django.test import Client

ROOT = Path(__file__).resolve().parents[1]


def _make_check_port(port: int) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["make", "-s", "--no-print-directory", "check-port", f"PORT={port}", "HOST=127.0.0.1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_busy_port_says_how_to_pick_another():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = _make_check_port(port)
    assert result.returncode != 0
    assert f"Port {port} on 127.0.0.1 is already in use" in result.stderr
    assert "make run PORT=8001" in result.stderr


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_free_port_passes():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    assert _make_check_port(port).returncode == 0


@pytest.mark.django_db
def test_unknown_shop_under_debug_shows_the_sites_404(settings):
    settings.DEBUG = True
    response = Client().get("/s/no-such-shop/")
    html = response.content.decode()
    assert response.status_code == 404
    assert "페이지를 찾을 수 없습니다" in html and "URLconf" not in html
    api = Client().get("/api/shops/no-such-shop")
    assert api.status_code == 404 and api.json()["code"] == "shop_not_found"
    assert Client().get("/r/not-a-real-token-at-all/").status_code == 404
