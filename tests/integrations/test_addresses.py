"""Where a webhook may go (plain functions, no database)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from integrations import addresses, backoff


@pytest.mark.parametrize(
    "address, public",
    [
        ("93.184.215.14", True),
        ("2606:2800:21f:cb07:6820:80da:af6b:8b2c", True),
        ("127.0.0.1", False),
        ("10.0.0.1", False),
        ("172.16.5.4", False),
        ("192.168.0.1", False),
        ("169.254.169.254", False),
        ("100.64.0.1", False),
        ("0.0.0.0", False),
        ("::1", False),
        ("fe80::1", False),
        ("fc00::1", False),
        ("::ffff:127.0.0.1", False),
        ("::ffff:10.0.0.1", False),
        ("2002:7f00:1::", False),  # 6to4 wrapping 127.0.0.1
        ("224.0.0.1", False),
        ("not-an-ip", False),
    ],
)
def test_only_global_unicast_addresses_are_public(address, public):
    assert addresses.is_public(address) is public


def test_a_url_is_split_into_what_the_connection_needs():
    target = addresses.parse("https://POS.example.com:8443/a/b?x=1", allow_insecure=False)
    assert (target.host, target.port, target.path) == ("pos.example.com", 8443, "/a/b?x=1")
    assert target.host_header == "pos.example.com:8443"
    assert target.url_for("93.184.215.14") == "https://93.184.215.14:8443/a/b?x=1"
    assert target.url_for("2606:2800::1") == "https://[2606:2800::1]:8443/a/b?x=1"
    assert addresses.parse("https://x.example", allow_insecure=False).host_header == "x.example"


@pytest.mark.parametrize(
    "url",
    [
        "https://x.example:99999/",
        "https://x.example/#frag",
        "https:///nohost",
        "javascript:alert(1)",
        "https://x.example/\x00",
        "",
        None,
    ],
)
def test_malformed_urls_are_refused(url):
    with pytest.raises(addresses.Refused):
        addresses.parse(url, allow_insecure=True)


def test_every_resolved_address_must_be_public(monkeypatch):
    target = addresses.parse("https://pos.example.com/", allow_insecure=False)
    monkeypatch.setattr(addresses, "resolve", lambda h, p: ["93.184.215.14", "192.168.1.1"])
    with pytest.raises(addresses.Refused) as refused:
        addresses.pick_address(target, allow_insecure=False)
    assert refused.value.code == "address_not_allowed"
    monkeypatch.setattr(addresses, "resolve", lambda h, p: ["93.184.215.14"])
    assert addresses.pick_address(target, allow_insecure=False) == "93.184.215.14"
    monkeypatch.setattr(addresses, "resolve", lambda h, p: [])
    with pytest.raises(addresses.Refused):
        addresses.pick_address(target, allow_insecure=False)


def test_backoff_doubles_with_jitter_and_stops_at_the_deadline():
    rng = random.Random(7)
    delays = [
        backoff.next_delay(n, base_seconds=30, max_delay_seconds=6 * 3600, rng=rng)
        for n in range(1, 12)
    ]
    for n, delay in enumerate(delays, start=1):
        nominal = min(30 * 2 ** (n - 1), 6 * 3600)
        assert nominal * 0.75 <= delay < nominal * 1.25
    start = datetime(2026, 11, 20, tzinfo=UTC)
    late = start + timedelta(days=3) - timedelta(minutes=1)
    again = backoff.next_attempt(
        failures=9,
        now=late,
        first_attempt=start,
        base_seconds=30,
        max_delay_seconds=6 * 3600,
        retry_for_seconds=3 * 86400,
    )
    assert again == start + timedelta(days=3)
    assert (
        backoff.next_attempt(
            failures=10,
            now=start + timedelta(days=3),
            first_attempt=start,
            base_seconds=30,
            max_delay_seconds=6 * 3600,
            retry_for_seconds=3 * 86400,
        )
        is None
    )
