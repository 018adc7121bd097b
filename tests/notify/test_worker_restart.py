"""The worker killed for real (SIGKILL) in the middle of a fan-out, then started again: every
follower gets the arrival, and only pushes whose answer was in flight at the kill can come
twice (they carry the same Topic and tag, so the push service and the phone replace them).

Each "worker" is its own process running the worker's minute (``notify.delivery.tick``) on the
test database, with huey inline as in the tests; the second one runs with its clock moved past
the first one's lease, as the first tick five minutes after a restart would."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from collections import Counter
from pathlib import Path

import pytest

from notify import delivery, services
from notify.models import Delivery, Push
from tests import factories
from tests.support.fixtures import *  # noqa: F401,F403
from tests.support.processes import server_env

pytestmark = [pytest.mark.multiprocess]

ROOT = Path(__file__).resolve().parents[2]
FOLLOWERS = 300
CONCURRENCY = 8

WORKER = textwrap.dedent(
    """
    import sys
    from datetime import timedelta

    import django

    django.setup()
    from django.utils import timezone

    from notify import delivery

    # The restarted worker's clock, moved past the killed one's lease (5 minutes).
    ahead = timedelta(seconds=float(sys.argv[1]))
    real_now = timezone.now
    timezone.now = lambda: real_now() + ahead
    delivery.tick()
    print("done", flush=True)
    """
)


def start_worker(env: dict[str, str], ahead: float = 0) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", WORKER, str(ahead)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_a_worker_killed_mid_fan_out_loses_nothing(push_service, shop, child_database_url):
    browsers = [push_service.browser() for _ in range(FOLLOWERS)]
    for browser in browsers:
        # Agreed to night messages: quiet hours (21:00-08:00 Seoul) would otherwise hold
        # every push until morning, whatever hour the suite runs at.
        services.follow_shop(
            shop=shop, subscription=browser.subscription, night=True, origin="http://t"
        )
    factories.make_listing(shop, "단감", available=200)
    Push.objects.update(due_at=Push.objects.get().created_at)  # due now
    push_service.delay = 0.02  # slow enough to be killed half way
    env = server_env(
        child_database_url,
        None,
        WEB_PUSH_ENDPOINT_HOSTS=f"127.0.0.1:{push_service.port}",
        WEB_PUSH_CONCURRENCY=str(CONCURRENCY),
        WEB_PUSH_BATCH_SIZE="100",
    )

    first = start_worker(env)
    deadline = time.monotonic() + 60
    while push_service.total() < FOLLOWERS // 2:  # half way through the second batch
        assert first.poll() is None, first.communicate()
        assert time.monotonic() < deadline, "the first worker sent too little"
        time.sleep(0.01)
    os.kill(first.pid, signal.SIGKILL)
    first.wait()
    at_kill = push_service.total()
    assert 0 < at_kill < FOLLOWERS

    second = start_worker(env, ahead=delivery.LEASE_SECONDS + 1)
    out, err = second.communicate(timeout=120)
    assert second.returncode == 0, err

    per_browser = Counter(len(b.messages) for b in browsers)
    assert per_browser[0] == 0, "lost"
    duplicated = sum(n - 1 for b in browsers if (n := len(b.messages)) > 1)
    # Only pushes whose answer was not recorded before the kill can go again: those in flight
    # (at most CONCURRENCY) and those answered in the round being recorded (at most as many).
    # Over HTTP no sender can do better after a SIGKILL; a graceful stop (SIGINT) finishes
    # the batch and sends none twice.
    assert duplicated <= 2 * CONCURRENCY
    assert Delivery.objects.filter(status="sent").count() == FOLLOWERS
    print(f"killed after {at_kill} accepted; {duplicated} sent again after the restart")
