"""The worker's side of notifications (``python manage.py run_huey``). The tasks only call
notify/delivery.py; ``tick`` every minute is what makes a restart lose nothing."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from notify import delivery
from shops.schedule import seoul_crontab


@db_task()
def fan_out_task(push_id: int) -> int:
    return delivery.fan_out(push_id=push_id)


@db_task()
def dispatch_task() -> int:
    return delivery.dispatch()


@db_task()
def send_batch_task(ids: list[int]) -> dict[str, int]:
    return delivery.send_batch(ids=ids)


@db_periodic_task(crontab(minute="*"))
def tick() -> dict[str, int]:
    return delivery.tick()


@db_periodic_task(seoul_crontab(minute="37", hour="4"))
def prune_pushes() -> int:
    return delivery.prune()
