"""Checking a hit against a limit in Redis (the ``limits`` library), and the Redis-down policy.

Both strategies keep their state in Redis, so every replica counts against the same window:
three replicas with 100/minute together accept 100 per minute, not 300.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

from limits import RateLimitItem
from limits.aio.storage import RedisStorage
from limits.aio.strategies import MovingWindowRateLimiter, SlidingWindowCounterRateLimiter
from limits.errors import StorageError
from redis.asyncio import Redis
from redis.exceptions import RedisError

from colmeia.errors import ServiceUnavailable

KEY_PREFIX = "colmeia:limits"


@dataclass(frozen=True, slots=True)
class Decision:
    """The outcome of one hit, with what the ``X-RateLimit-*`` headers say."""

    allowed: bool
    limit: int
    remaining: int
    reset_at: float
    """Epoch seconds when the window frees up again."""

    def headers(self) -> list[tuple[bytes, bytes]]:
        values = [
            (b"x-ratelimit-limit", str(self.limit).encode()),
            (b"x-ratelimit-remaining", str(max(self.remaining, 0)).encode()),
            (b"x-ratelimit-reset", str(math.ceil(self.reset_at)).encode()),
        ]
        if not self.allowed:
            retry_after = max(1, math.ceil(self.reset_at - time.time()))
            values.append((b"retry-after", str(retry_after).encode()))
        return values


class LimiterUnavailable(ServiceUnavailable):
    code = "rate_limiter_unavailable"


class RateLimitService:
    """One strategy over one Redis; the only object that talks to the limits storage."""

    def __init__(self, redis: Redis, strategy: str = "moving-window") -> None:
        # Any: limits types its pass-through options as scalars, but redis-py takes the pool.
        options: dict[str, Any] = {"connection_pool": redis.connection_pool}
        storage = RedisStorage(
            "async+redis://", implementation="redispy", key_prefix=KEY_PREFIX, **options
        )
        self._strategy: MovingWindowRateLimiter | SlidingWindowCounterRateLimiter
        if strategy == "sliding-window":
            self._strategy = SlidingWindowCounterRateLimiter(storage)
        else:
            self._strategy = MovingWindowRateLimiter(storage)

    async def hit(self, item: RateLimitItem, identity: str, *, fail_open: bool) -> Decision | None:
        """Count one request for ``identity``. None means Redis is down and the policy lets
        the request through; `LimiterUnavailable` when the policy is to fail closed."""
        try:
            allowed = await self._strategy.hit(item, identity)
            stats = await self._strategy.get_window_stats(item, identity)
        except (RedisError, StorageError, OSError) as error:
            if fail_open:
                return None
            raise LimiterUnavailable(
                "rate limiting is unavailable; try again shortly",
                details={"reason": type(error).__name__},
            ) from None
        # The stats are a second read: the moving window may have freed a slot since the hit,
        # so a refused request reports the 0 it met, not that later slot (a 429 saying
        # "remaining: 1" was seen in CI).
        remaining = stats.remaining if allowed else 0
        return Decision(allowed, item.amount, remaining, stats.reset_time)

    async def clear(self, item: RateLimitItem, identity: str) -> None:
        """Forget ``identity``'s window (tests and admin resets)."""
        await self._strategy.clear(item, identity)
