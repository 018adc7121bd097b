"""Benchmark of the owner's numbers: `python bench/insights.py` (also run by `make bench`).

Builds a year of one busy shop in a scratch database with bulk_create (~50k reservations,
their stock events, share counters), then measures, in the same run:

* the rollup: ``insights.services.roll_up_day`` for every day of the year (time per day),
  against a floor: one bare ``COUNT``/``SUM`` of that day's reservations;
* the "숫자" page (90 days) and the CSV of the whole year (daily rows and per-item rows)
  through Django's test client, against two floors: ``/healthz`` through the same client
  (the framework's own cost) and one bare aggregate over the year's raw reservations (what
  reading raw rows on every page load would cost at the very least).

SQLite by default (a scratch file in /tmp); BENCH_DATABASE_URL=postgres://… runs it on an
empty PostgreSQL database instead. BENCH_RESERVATIONS (default 50000), BENCH_DAYS (365),
BENCH_REPEAT (page and CSV requests, default 10).
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESERVATIONS = int(os.environ.get("BENCH_RESERVATIONS", "50000"))
DAYS = int(os.environ.get("BENCH_DAYS", "365"))
REPEAT = int(os.environ.get("BENCH_REPEAT", "10"))


def setup() -> str:
    scratch = Path(tempfile.mkdtemp(prefix="bench-insights-")) / "db.sqlite3"
    os.environ.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL=os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{scratch}"),
        DEBUG="0",
        SECRET_KEY="bench-only-secret",
        ALLOWED_HOSTS="testserver,127.0.0.1",
        LOG_LEVEL="WARNING",
        HUEY_SQLITE_PATH=str(scratch.with_name("huey.sqlite3")),
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return os.environ["DATABASE_URL"]


def timed(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def seed(today):
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from insights.facts import day_bounds
    from livestock.models import Listing, StockEvent
    from pickup.models import Reservation
    from pickup.services import points
    from shops.models import Membership, ShareStat, Shop

    rnd = random.Random(20261203)
    shop = Shop.objects.create(slug="bench-fruit", name="벤치 과일가게", lat=37.5559, lng=126.9019)
    point = points.ensure_shop_counter(shop=shop)
    user = get_user_model().objects.create_user(username="bench", password="bench-pw-1")
    Membership.objects.create(shop=shop, user=user, role="owner")
    first = today - timedelta(days=DAYS)
    per_day = RESERVATIONS // DAYS
    names = ["단감", "사과", "배", "귤", "딸기", "블루베리"]
    listings, events, reservations, shares = [], [], [], []
    version = 0
    for d in range(DAYS):
        day = first + timedelta(days=d)
        start, _end = day_bounds(day)
        todays = [
            Listing(
                shop=shop,
                name=name,
                unit="팩",
                available=0,
                price=9000,
                pickup_price=7900,
                arrived_at=start + timedelta(hours=8),
            )
            for name in names
        ]
        listings.append((day, todays))
    Listing.objects.bulk_create([x for _day, todays in listings for x in todays])
    code = 0
    for day, todays in listings:
        start, _end = day_bounds(day)
        left = {listing.pk: 120 for listing in todays}
        for listing in todays:
            version += 1
            events.append(
                StockEvent(
                    shop=shop,
                    listing=listing,
                    version=version,
                    delta=120,
                    available_after=120,
                    reason="arrival",
                    payload={},
                    created_at=start + timedelta(hours=8),
                )
            )
        for k in range(per_day):
            listing = rnd.choice(todays)
            quantity = rnd.randint(1, 3)
            quantity = min(quantity, left[listing.pk]) or 0
            made = start + timedelta(hours=9, minutes=k * 600 // per_day)
            if quantity:
                left[listing.pk] -= quantity
                version += 1
                events.append(
                    StockEvent(
                        shop=shop,
                        listing=listing,
                        version=version,
                        delta=-quantity,
                        available_after=left[listing.pk],
                        reason="reserved",
                        payload={},
                        created_at=made,
                    )
                )
            status = rnd.choices(["picked_up", "no_show", "cancelled"], weights=[85, 7, 8])[0]
            code += 1
            reservations.append(
                Reservation(
                    shop=shop,
                    listing=listing,
                    item_name=listing.name,
                    quantity=max(quantity, 1),
                    units=max(quantity, 1),
                    unit_price=7900,
                    total_price=7900 * max(quantity, 1),
                    pickup_point=point,
                    date=day,
                    pickup_starts_at=made,
                    pickup_ends_at=made + timedelta(hours=2),
                    name="",
                    phone="",
                    status=status,
                    code=f"B{code:07d}",
                    created_at=made,
                    updated_at=made,
                    ended_at=made + timedelta(hours=1),
                    cancelled_by="customer" if status == "cancelled" else "",
                    returning_customer=rnd.random() < 0.3,
                )
            )
        for channel in ("kakao", "naver", "copy", "qr", "share"):
            shares.append(
                ShareStat(
                    shop=shop,
                    day=day,
                    channel=channel,
                    visits=rnd.randint(0, 40),
                    reservations=rnd.randint(0, 10),
                )
            )
    StockEvent.objects.bulk_create(events, batch_size=5000)
    Reservation.objects.bulk_create(reservations, batch_size=5000)
    ShareStat.objects.bulk_create(shares)
    Shop.objects.filter(pk=shop.pk).update(
        stock_version=version,
        created_at=timezone.make_aware(datetime.combine(first, datetime.min.time())),
    )
    return shop, user, first, len(reservations), len(events)


def main() -> None:
    url = setup()
    from django.db import connection
    from django.db.models import Count, Sum
    from django.test import Client
    from django.test.utils import override_settings
    from django.utils import timezone

    from insights import services
    from insights.facts import day_bounds
    from pickup.models import Reservation

    today = timezone.localdate()
    t0 = time.perf_counter()
    shop, user, first, n_reservations, n_events = seed(today)
    print(f"database: {connection.vendor} ({url.split('://')[0]})")
    print(
        f"seeded {n_reservations} reservations, {n_events} stock events over {DAYS} days "
        f"in {time.perf_counter() - t0:.1f} s"
    )

    # The rollup, every day of the year, with the stock log kept for all of it.
    per_day, floor = [], []
    with override_settings(LIVESTOCK_EVENTS_RETENTION_DAYS=DAYS + 2):
        for d in range(DAYS):
            day = first + timedelta(days=d)
            start, end = day_bounds(day)
            floor.extend(
                timed(
                    lambda s=start, e=end: Reservation.objects.filter(
                        shop=shop, created_at__gte=s, created_at__lt=e
                    ).aggregate(n=Count("pk"), u=Sum("units")),
                    1,
                )
            )
            per_day.extend(timed(lambda day=day: services.roll_up_day(shop=shop, day=day), 1))
    rollup_p50, floor_p50 = statistics.median(per_day), statistics.median(floor)
    print(
        f"rollup per day: p50 {rollup_p50:.2f} ms, p95 "
        f"{sorted(per_day)[int(0.95 * (len(per_day) - 1))]:.2f} ms, year {sum(per_day) / 1000:.2f} s; "
        f"floor (bare COUNT/SUM of the day) p50 {floor_p50:.2f} ms; ratio {rollup_p50 / floor_p50:.1f}x"
    )

    client = Client()
    client.force_login(user)
    year_from, year_to = first.isoformat(), (today - timedelta(days=1)).isoformat()
    raw_year = timed(
        lambda: Reservation.objects.filter(
            shop=shop, created_at__gte=day_bounds(first)[0]
        ).aggregate(n=Count("pk"), u=Sum("units"), r=Sum("total_price")),
        REPEAT,
    )
    health = timed(lambda: client.get("/healthz"), REPEAT)
    measures = {
        "page 90 days": lambda: client.get(f"/owner/s/{shop.slug}/stats/?days=90"),
        "page 30 days": lambda: client.get(f"/owner/s/{shop.slug}/stats/?days=30"),
        "CSV daily, 1 year": lambda: client.get(
            f"/owner/s/{shop.slug}/stats.csv?from={year_from}&to={year_to}"
        ),
        "CSV per item, 1 year": lambda: client.get(
            f"/owner/s/{shop.slug}/stats.csv?from={year_from}&to={year_to}&rows=listings"
        ),
        "API 1 year": lambda: client.get(
            f"/api/shops/{shop.slug}/stats?from={year_from}&to={year_to}"
        ),
    }
    for fn in measures.values():
        assert fn().status_code == 200
    raw_p50, health_p50 = statistics.median(raw_year), statistics.median(health)
    print(
        f"floor: /healthz p50 {health_p50:.2f} ms; bare aggregate over the year's reservations p50 {raw_p50:.2f} ms"
    )
    for name, fn in measures.items():
        p50 = statistics.median(timed(fn, REPEAT))
        print(
            f"{name}: p50 {p50:.1f} ms; {p50 / health_p50:.1f}x /healthz, "
            f"{p50 / raw_p50:.1f}x the bare year aggregate"
        )


if __name__ == "__main__":
    main()
