"""Link-preview images: a cold render and a cached hit, against serving a static file.

Runs in one process on a throwaway SQLite database with the demo neighbourhood. The baseline
is the same PNG bytes served as a static file by WhiteNoise through the same Django stack, so
the ratio says what the cache costs over a plain file. Goals: cached hit ~ static file,
cold render <= 150 ms.

    .venv/bin/python bench/og.py [--requests 400] [--cold 30]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import tempfile
import time
import uuid
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
WORK = Path(tempfile.mkdtemp(prefix="og-bench-"))

os.environ.update(
    {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "0",
        "SECRET_KEY": "bench-only-secret",
        "ALLOWED_HOSTS": "testserver",
        "DATABASE_URL": f"sqlite:///{WORK / 'bench.sqlite3'}",
        "HUEY_SQLITE_PATH": str(WORK / "huey.sqlite3"),
        "HUEY_IMMEDIATE": "1",
        "MEDIA_ROOT": str(WORK / "media"),
        "LOG_LEVEL": "WARNING",
        # With REDIS_URL set, a fresh key prefix per run so no earlier run's images are hits.
        "CHANNEL_LAYER_PREFIX": f"og-bench-{uuid.uuid4().hex[:8]}",
        "OG_IMAGE_CACHE_SECONDS": "600",
    }
)

KAKAO_UA = "facebookexternalhit/1.1;kakaotalk-scrap/1.0"


def timed(fn, repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def summary(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "n": len(samples),
        "median_ms": round(statistics.median(ordered), 3),
        "p95_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))], 3),
        "max_ms": round(ordered[-1], 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--cold", type=int, default=30)
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.contrib.staticfiles import finders
    from django.core.management import call_command
    from django.test import Client

    from livestock import services
    from livestock.models import Listing
    from shops.models import Shop
    from storefront import og_image, previews

    call_command("migrate", verbosity=0)
    call_command("seed_demo", stdout=open(os.devnull, "w"))
    shop = Shop.objects.get(slug="mangwon-fruit")
    listing = Listing.objects.filter(shop=shop, is_active=True).first()
    client = Client(headers={"User-Agent": KAKAO_UA})

    def current_image_path() -> str:
        page = client.get(f"/s/{shop.slug}/").content.decode()
        return re.search(r'property="og:image" content="http://testserver([^"]+)"', page).group(1)

    # The very first preview this process draws: fonts opened, glyph caches empty.
    path = current_image_path()
    start = time.perf_counter()
    first = client.get(path)
    first_ms = (time.perf_counter() - start) * 1000
    assert first.status_code == 200 and first["Content-Type"] == "image/png"

    # Baseline: the same PNG bytes as a static file, served by WhiteNoise in this process.
    static_dir = WORK / "static"
    (static_dir / "bench").mkdir(parents=True)
    (static_dir / "bench" / "og-sample.png").write_bytes(first.content)
    settings.STATICFILES_DIRS = [*settings.STATICFILES_DIRS, str(static_dir)]
    finders.get_finder.cache_clear()
    static_client = Client(headers={"User-Agent": KAKAO_UA})
    static_url = "/static/bench/og-sample.png"
    warm = static_client.get(static_url)
    assert warm.status_code == 200, warm.status_code
    static_body = b"".join(warm.streaming_content) if warm.streaming else warm.content
    assert static_body == first.content

    def get_static():
        response = static_client.get(static_url)
        for _chunk in response.streaming_content:
            pass

    hit_client = Client(headers={"User-Agent": KAKAO_UA})

    def get_hit():
        response = hit_client.get(path)
        assert response.status_code == 200

    def get_shared_hit():
        # As in another server process: not in this process's memory, only in the cache.
        previews.recent_images.clear()
        get_hit()

    # Interleave so all see the same machine load.
    static_samples: list[float] = []
    hit_samples: list[float] = []
    shared_samples: list[float] = []
    for _ in range(args.requests // 20):
        static_samples += timed(get_static, 20)
        hit_samples += timed(get_hit, 20)
        shared_samples += timed(get_shared_hit, 20)

    # Cold: every count change makes a new URL; the first request for it draws the image.
    cold_samples = []
    for i in range(args.cold):
        services.adjust_stock(shop=shop, listing_id=listing.pk, delta=-1 if i % 2 else 1)
        new_path = current_image_path()
        assert new_path != path
        path = new_path
        cold_samples += timed(partial(client.get, path), 1)

    preview = og_image.Preview(
        shop_name=shop.name,
        items=tuple(
            og_image.PreviewItem(item.name, item.available, item.unit, item.pickup_price)
            for item in Listing.objects.filter(shop=shop, is_active=True)[:3]
        ),
        caption="11월 22일 10:42 기준",
    )
    draw_samples = timed(lambda: og_image.render_preview_png(preview), 30)
    page_samples = timed(lambda: client.get(f"/s/{shop.slug}/"), 50)

    results = {
        "static_file": summary(static_samples),
        "og_cached_hit": summary(hit_samples),
        "og_shared_cache_hit": summary(shared_samples),
        "og_cold_render": summary(cold_samples),
        "og_first_render_in_process_ms": round(first_ms, 3),
        "draw_and_encode_only": summary(draw_samples),
        "shop_page_for_kakao_scraper": summary(page_samples),
        "png_bytes": len(first.content),
    }
    ratio = results["og_cached_hit"]["median_ms"] / results["static_file"]["median_ms"]
    results["hit_vs_static_median_ratio"] = round(ratio, 2)

    print(
        f"OG preview images ({len(first.content):,} byte PNG, cache: "
        f"{settings.CACHES['default']['BACKEND'].rsplit('.', 1)[-1]})"
    )
    print(f"{'':34} {'median':>9} {'p95':>9} {'max':>9}")
    for label, key in [
        ("static file (WhiteNoise, baseline)", "static_file"),
        ("og image, cached hit", "og_cached_hit"),
        ("og image, hit from shared cache", "og_shared_cache_hit"),
        ("og image, cold render (new count)", "og_cold_render"),
        ("draw + PNG encode only", "draw_and_encode_only"),
        ("shop page, Kakao scraper UA", "shop_page_for_kakao_scraper"),
    ]:
        row = results[key]
        print(
            f"{label:34} {row['median_ms']:>7.2f}ms {row['p95_ms']:>7.2f}ms {row['max_ms']:>7.2f}ms"
        )
    print(f"first render in a fresh process: {first_ms:.1f} ms")
    print(f"cached hit / static file (median): {ratio:.2f}x   (goal: ~1x)")
    cold = results["og_cold_render"]["median_ms"]
    print(
        f"cold render median {cold:.1f} ms, p95 {results['og_cold_render']['p95_ms']:.1f} ms "
        f"(goal: <= 150 ms) -> {'ok' if results['og_cold_render']['p95_ms'] <= 150 else 'OVER'}"
    )

    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "og.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    try:
        main()
    finally:
        import shutil

        shutil.rmtree(WORK, ignore_errors=True)
