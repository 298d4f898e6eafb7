"""Checking a hit against a limit in Redis (the ``limits`` library), and the Redis-down policy.

Both strategies keep their state in Redis, so every replica counts against the same window:
three replicas with 100/minute together accept 100 per minute, not 300.

The moving window (the default) costs one round trip. ``limits``' API answers a hit and the
window stats the headers need in two calls, each a round trip (0.46–0.65 ms together here,
against a 0.5 ms budget). `MovingWindowInOneTrip` sends the same two ``limits`` Lua scripts,
on the same keys, in one pipeline: the algorithm stays the library's, only the batching is ours,
and a test keeps it answer for answer equal to the library's own calls.
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass
from typing import Any

from limits import RateLimitItem
from limits.aio.storage import RedisStorage
from limits.aio.storage.redis.bridge import RedisBridge
from limits.aio.strategies import SlidingWindowCounterRateLimiter
from limits.errors import StorageError
from redis.asyncio import Redis
from redis.exceptions import NoScriptError, RedisError

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


@dataclass(frozen=True, slots=True)
class _Script:
    source: bytes
    sha: str

    @classmethod
    def of(cls, source: bytes) -> _Script:
        return cls(source, hashlib.sha1(source).hexdigest())


_ACQUIRE = _Script.of(RedisBridge.SCRIPT_ACQUIRE_MOVING_WINDOW)
_WINDOW = _Script.of(RedisBridge.SCRIPT_MOVING_WINDOW)


@dataclass(frozen=True, slots=True)
class WindowState:
    """A hit's outcome and the window after it, whichever strategy counted it."""

    allowed: bool
    remaining: int
    reset_at: float


class MovingWindowInOneTrip:
    """``limits``' moving window: its acquire script, then its window script, in one pipeline.

    Arguments, keys and the reading of the answer are those of ``limits``' redis-py storage
    (``acquire_entry`` and ``get_moving_window``) and ``MovingWindowRateLimiter
    .get_window_stats``; `tests/limits/test_one_trip.py` holds them equal."""

    def __init__(self, redis: Redis, key_prefix: str) -> None:
        self._redis = redis
        self._key_prefix = key_prefix

    async def hit(self, item: RateLimitItem, identity: str) -> WindowState:
        key = f"{self._key_prefix}:{item.key_for(identity)}"
        expiry = item.get_expiry()
        now = time.time()
        acquire = (_ACQUIRE, key, str(now), str(item.amount), str(expiry), "1")
        window = (_WINDOW, key, str(now - expiry), str(item.amount))
        acquired, stats = await self._send(acquire, window)
        if isinstance(acquired, NoScriptError):
            # A restarted or flushed Redis forgot the scripts, and nothing ran: load, resend.
            await self._load_scripts()
            acquired, stats = await self._send(acquire, window)
        elif isinstance(stats, NoScriptError):
            # Only the window script was missing: the hit is counted, so read the window alone.
            await self._load_scripts()
            (stats,) = await self._send(window)
        for answer in (acquired, stats):
            if isinstance(answer, Exception):
                raise answer
        start, count = (float(stats[0]), int(stats[1])) if stats else (now, 0)
        return WindowState(bool(acquired), item.amount - count, start + expiry)

    async def _send(self, *calls: tuple[_Script, str, *tuple[str, ...]]) -> list[Any]:
        # Any: EVALSHA answers whatever the script returns, or the error it met. Numbers go as
        # redis-py would encode them for limits (``repr``, which is ``str`` for ints and floats).
        async with self._redis.pipeline(transaction=False) as pipe:
            for script, key, *arguments in calls:
                pipe.evalsha(script.sha, 1, key, *arguments)
            answers: list[Any] = await pipe.execute(raise_on_error=False)
        return answers

    async def _load_scripts(self) -> None:
        for script in (_ACQUIRE, _WINDOW):
            await self._redis.script_load(script.source)


def limits_storage(redis: Redis, key_prefix: str = KEY_PREFIX) -> RedisStorage:
    """``limits``' Redis storage on our client's connection pool."""
    # Any: limits types its pass-through options as scalars, but redis-py takes the pool.
    options: dict[str, Any] = {"connection_pool": redis.connection_pool}
    return RedisStorage(
        "async+redis://", implementation="redispy", key_prefix=key_prefix, **options
    )


class SlidingWindowCounter:
    """``limits``' approximate sliding window: a hit, then its stats (two round trips)."""

    def __init__(self, redis: Redis, key_prefix: str) -> None:
        self._limiter = SlidingWindowCounterRateLimiter(limits_storage(redis, key_prefix))

    async def hit(self, item: RateLimitItem, identity: str) -> WindowState:
        allowed = await self._limiter.hit(item, identity)
        stats = await self._limiter.get_window_stats(item, identity)
        return WindowState(allowed, stats.remaining, stats.reset_time)


class RateLimitService:
    """One strategy over one Redis; the only object that talks to the limits storage."""

    def __init__(self, redis: Redis, strategy: str = "moving-window") -> None:
        self._window: MovingWindowInOneTrip | SlidingWindowCounter
        if strategy == "sliding-window":
            self._window = SlidingWindowCounter(redis, KEY_PREFIX)
        else:
            self._window = MovingWindowInOneTrip(redis, KEY_PREFIX)

    async def hit(self, item: RateLimitItem, identity: str, *, fail_open: bool) -> Decision | None:
        """Count one request for ``identity``. None means Redis is down and the policy lets
        the request through; `LimiterUnavailable` when the policy is to fail closed."""
        try:
            state = await self._window.hit(item, identity)
        except (RedisError, StorageError, OSError) as error:
            if fail_open:
                return None
            raise LimiterUnavailable(
                "rate limiting is unavailable; try again shortly",
                details={"reason": type(error).__name__},
            ) from None
        # The stats are a second read: the window may have freed a slot since the hit, so a
        # refused request reports the 0 it met, not that later slot (a 429 saying
        # "remaining: 1" was seen in CI).
        remaining = state.remaining if state.allowed else 0
        return Decision(state.allowed, item.amount, remaining, state.reset_at)
