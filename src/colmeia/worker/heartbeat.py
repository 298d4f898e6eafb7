"""Worker liveness kept in Redis, so readiness on any API replica can see a live worker.

Each worker writes ``hostname → unix time`` into one sorted set every few seconds; a worker
counts as live while its last beat is younger than the TTL. A sorted set (not one key per
worker) lets readiness answer with a single ZCOUNT.
"""

from __future__ import annotations

import time

import redis as redis_sync
from redis.asyncio import Redis

WORKERS_KEY = "colmeia:workers"


def beat(client: redis_sync.Redis, hostname: str) -> None:
    client.zadd(WORKERS_KEY, {hostname: time.time()})


def leave(client: redis_sync.Redis, hostname: str) -> None:
    client.zrem(WORKERS_KEY, hostname)


async def live_workers(redis: Redis, ttl_s: float) -> int:
    """How many workers have beaten within ``ttl_s`` seconds."""
    count: int = await redis.zcount(WORKERS_KEY, time.time() - ttl_s, "+inf")
    return count
