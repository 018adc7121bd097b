"""When to try a failed webhook again: exponential backoff with jitter. Plain Python."""

from __future__ import annotations

import random
from datetime import datetime, timedelta


def next_delay(
    failures: int,
    *,
    base_seconds: float,
    max_delay_seconds: float,
    rng: random.Random | None = None,
) -> float:
    """Seconds to wait after the ``failures``-th failed attempt (1, 2, …): ``base × 2^(n-1)``,
    capped, times a random factor in [0.75, 1.25) so endpoints that failed together do not
    all come back in the same second."""
    rng = rng or random
    exponent = min(max(failures, 1) - 1, 40)
    delay = min(base_seconds * (2**exponent), max_delay_seconds)
    return max(1.0, delay * (0.75 + rng.random() * 0.5))


def next_attempt(
    *,
    failures: int,
    now: datetime,
    first_attempt: datetime,
    base_seconds: float,
    max_delay_seconds: float,
    retry_for_seconds: float,
    rng: random.Random | None = None,
) -> datetime | None:
    """When to try again, or None once the retry period is over (give up). The last try is
    made at the end of the period rather than skipped."""
    deadline = first_attempt + timedelta(seconds=retry_for_seconds)
    if now >= deadline:
        return None
    delay = next_delay(
        failures, base_seconds=base_seconds, max_delay_seconds=max_delay_seconds, rng=rng
    )
    return min(now + timedelta(seconds=delay), deadline)
