"""https deliveries connect to the checked address while TLS still verifies the host name."""

from __future__ import annotations

import ssl
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from integrations import addresses, delivery, services
from integrations.models import Delivery
from livestock import services as stock

pytestmark = pytest.mark.django_db


@pytest.fixture
def tls_receiver(tmp_path):
    """An https server on loopback whose certificate names ``pos.test`` only."""
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-keyout", str(key), "-out", str(cert), "-subj", "/CN=pos.test",
            "-addext", "subjectAltName=DNS:pos.test",
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    hosts: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def do_POST(self):
            self.rfile.read(int(self.headers.get("content-length") or 0))
            hosts.append(self.headers.get("host", ""))
            self.send_response(204)
            self.send_header("content-length", "0")
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1], cert, hosts
    server.shutdown()
    server.server_close()


def trusting(cert) -> httpx.Client:
    return httpx.Client(verify=ssl.create_default_context(cafile=str(cert)), timeout=5)


@pytest.mark.parametrize("name, delivered", [("pos.test", True), ("other.test", False)])
def test_tls_checks_the_name_on_the_pinned_address(
    shop, listing, tls_receiver, monkeypatch, settings, name, delivered
):
    port, cert, hosts = tls_receiver
    settings.WEBHOOK_ALLOW_INSECURE = True  # 127.0.0.1 is where "the world" is here
    monkeypatch.setattr(delivery, "http_client", lambda: trusting(cert))
    monkeypatch.setattr(addresses, "resolve", lambda host, p: ["127.0.0.1"])
    endpoint = services.create_endpoint(
        shop=shop, url=f"https://{name}:{port}/hooks", events=["stock.changed"]
    )
    stock.adjust_stock(shop=shop, listing_id=listing.pk, delta=-1, reason="counter_sale")
    delivery.deliver_endpoint(endpoint_id=endpoint.pk)
    sent = Delivery.objects.get()
    if delivered:
        assert sent.status == "succeeded" and hosts == [f"pos.test:{port}"]
    else:  # the certificate does not name other.test: refused, retried later
        assert sent.status == "pending" and "ConnectError" in sent.last_error and hosts == []
