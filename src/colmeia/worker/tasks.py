"""Tasks registered on the Celery app. Tasks are thin and named ``domain.verb``."""

from __future__ import annotations

from typing import Any

import redis as redis_sync
from celery import Task, shared_task

PINGS_KEY = "colmeia:pings"


@shared_task(name="system.ping", bind=True)
def ping(self: Task[Any, Any], marker: str) -> None:
    """Record ``marker`` in Redis: proof for tests and operators that a real worker runs tasks."""
    client = redis_sync.Redis.from_url(self.app.conf["colmeia_redis_url"], socket_timeout=2.0)
    with client:
        client.rpush(PINGS_KEY, marker)
        client.expire(PINGS_KEY, 3600)
