"""Periodic schedules in Asia/Seoul time.

huey matches a crontab against UTC (``utc=True``, its default), so ``crontab(hour="4")`` would
run at 13:00 in Seoul. Shops live by the Seoul clock: these crontabs say the Seoul hour and
convert the UTC moment huey passes before matching.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from huey import crontab

SEOUL = ZoneInfo("Asia/Seoul")


def seoul_crontab(
    *, minute: str = "*", hour: str = "*", day: str = "*", month: str = "*", day_of_week: str = "*"
) -> Callable[[datetime], bool]:
    """A huey crontab whose fields are read on the Seoul clock."""
    matches_local = crontab(minute=minute, hour=hour, day=day, month=month, day_of_week=day_of_week)

    def matches(moment: datetime) -> bool:
        utc = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
        return matches_local(utc.astimezone(SEOUL).replace(tzinfo=None))

    return matches
