"""The project's Redis cache backend: an outage is ``CacheUnavailable``, never redis-py's own
errors, so the code that carries on without the cache need not know it is Redis."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import override_settings

from shops.cache import CacheUnavailable

DEAD = {"default": {"BACKEND": "shops.cache.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}}


@override_settings(CACHES=DEAD)
def test_every_operation_of_an_unreachable_cache_raises_cache_unavailable():
    for operation in (
        lambda: cache.get("k"),
        lambda: cache.add("k", 1),
        lambda: cache.set("k", 1),
        lambda: cache.incr("k"),
        lambda: cache.get_many(["k"]),
        lambda: cache.delete("k"),
    ):
        with pytest.raises(CacheUnavailable) as raised:
            operation()
        assert raised.value.__cause__ is not None  # the client's own error, kept for the log


@pytest.mark.django_db
@override_settings(CACHES=DEAD)
def test_share_visits_are_not_counted_while_the_cache_is_down(shop, caplog):
    from shops import services

    assert services.record_share_visit(shop_id=shop.pk, channel="kakao", visitor="v1") is False
    assert "cache unavailable" in caplog.text


def test_no_app_imports_redis_directly():
    """Only the cache backend knows the shared cache is Redis."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    offenders = [
        str(path.relative_to(root))
        for app in ("shops", "livestock", "pickup")
        for path in (root / app).rglob("*.py")
        if path.name != "cache.py"
        and any(
            line.strip().startswith(("import redis", "from redis"))
            for line in path.read_text().splitlines()
        )
    ]
    assert offenders == []
