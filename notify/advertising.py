"""The one place for the advertising rule of Korean law (정보통신망법 §50 and the KCC's
guidance for app push) as it applies to arrival and restock pushes. Plain Python, no Django.

* Only with explicit opt-in (a follow or a restock alert; each consent is recorded).
* The title starts with "(광고)".
* The body says how to stop them.
* None between 21:00 and 08:00 Asia/Seoul unless the follower separately agreed to night
  messages: those are held and sent at 08:00, the newest one only.

Reservation pushes (ready, reminder, cancelled, new order) are transactional, not advertising.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

SEOUL = ZoneInfo("Asia/Seoul")
PREFIX = "(광고)"
QUIET_FROM = time(21, 0)
QUIET_UNTIL = time(8, 0)
OPT_OUT = "수신거부: 알림의 '알림 끄기' 또는 동네5km '내 알림'에서 끌 수 있어요."


def title(text: str) -> str:
    """An advertising push's title: always "(광고) …"."""
    return text if text.startswith(PREFIX) else f"{PREFIX} {text}"


def body(text: str) -> str:
    """An advertising push's body: what it says, then how to stop."""
    return f"{text}\n{OPT_OUT}"


def is_quiet(moment: datetime) -> bool:
    """21:00 ≤ Seoul time < 08:00."""
    local = moment.astimezone(SEOUL).time()
    return local >= QUIET_FROM or local < QUIET_UNTIL


def send_at(moment: datetime, *, night: bool) -> datetime:
    """When an advertising push made at ``moment`` may reach a follower: at once, or — in the
    quiet hours, for a follower who did not agree to night messages — at the next 08:00."""
    if night or not is_quiet(moment):
        return moment
    local = moment.astimezone(SEOUL)
    day = local.date() if local.time() < QUIET_UNTIL else local.date() + timedelta(days=1)
    return datetime.combine(day, QUIET_UNTIL, tzinfo=SEOUL)
