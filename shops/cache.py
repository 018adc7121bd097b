"""The project's cache backend for Redis, and the one error that means "the cache is down".

Django's own ``RedisCache`` lets redis-py's exceptions through, so every caller that wants to
carry on while the shared cache is unreachable had to import redis. This backend is Django's
with every operation's Redis error turned into ``CacheUnavailable`` (the original chained), so
callers catch that and know nothing of Redis. The local-memory cache never raises it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from redis.exceptions import RedisError

P = ParamSpec("P")
R = TypeVar("R")


class CacheUnavailable(Exception):
    """The shared cache did not answer (connection refused, timeout, server error)."""


def _translated(method: Callable[P, R]) -> Callable[P, R]:
    @functools.wraps(method)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return method(*args, **kwargs)
        except RedisError as exc:
            raise CacheUnavailable(str(exc) or type(exc).__name__) from exc

    return wrapper


class RedisCache(DjangoRedisCache):
    """``django.core.cache.backends.redis.RedisCache`` raising ``CacheUnavailable``."""


for _name in (
    "add",
    "get",
    "set",
    "touch",
    "delete",
    "get_many",
    "has_key",
    "incr",
    "set_many",
    "delete_many",
    "clear",
):
    setattr(RedisCache, _name, _translated(getattr(DjangoRedisCache, _name)))
