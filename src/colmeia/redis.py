"""Redis clients built from one URL (``redis://``, ``rediss://`` or ``unix://``)."""

from __future__ import annotations

from redis.asyncio import Redis


def create_redis(url: str) -> Redis:
    """An asyncio client with short timeouts, so a dead Redis degrades requests instead of
    hanging them."""
    client: Redis = Redis.from_url(
        url,
        decode_responses=False,
        socket_timeout=2.0,
        socket_connect_timeout=2.0,
        health_check_interval=30,
    )
    return client


def celery_broker_url(redis_url: str) -> str:
    """Celery spells a unix-socket Redis ``redis+socket://``; redis-py spells it ``unix://``."""
    if redis_url.startswith("unix://"):
        return "redis+socket://" + redis_url.removeprefix("unix://")
    return redis_url
