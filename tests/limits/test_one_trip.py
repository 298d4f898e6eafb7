"""The one-round-trip moving window against ``limits``' own API, on a real Redis: same answers,
same keys, and it survives a Redis that forgot its scripts."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator

import pytest
from limits import RateLimitItem, parse
from limits.aio.storage.redis.bridge import RedisBridge
from limits.aio.strategies import MovingWindowRateLimiter
from redis.asyncio import Redis

from colmeia.limits.service import KEY_PREFIX, MovingWindowInOneTrip, limits_storage


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_url)
    yield client
    await client.aclose()


def _library(redis: Redis) -> MovingWindowRateLimiter:
    return MovingWindowRateLimiter(limits_storage(redis))


async def _library_hit(
    library: MovingWindowRateLimiter, item: RateLimitItem, identity: str
) -> tuple[bool, int, float]:
    allowed = await library.hit(item, identity)
    stats = await library.get_window_stats(item, identity)
    return allowed, stats.remaining, stats.reset_time


async def test_answers_as_the_library_does(redis: Redis) -> None:
    """Hit for hit, through a refusal and a window that frees up again."""
    item = parse("3/second")
    ours, theirs = f"ours-{uuid.uuid4()}", f"theirs-{uuid.uuid4()}"
    one_trip, library = MovingWindowInOneTrip(redis, KEY_PREFIX), _library(redis)
    answers: list[tuple[bool, int]] = []
    expected: list[tuple[bool, int]] = []
    for burst in range(2):
        for _ in range(5):
            state = await one_trip.hit(item, ours)
            allowed, remaining, reset_at = await _library_hit(library, item, theirs)
            answers.append((state.allowed, state.remaining))
            expected.append((allowed, remaining))
            assert abs(state.reset_at - reset_at) < 0.5
        if burst == 0:
            await asyncio.sleep(1.1)  # the whole 1 s window expires
    assert answers == expected
    assert answers[:5] == [(True, 2), (True, 1), (True, 0), (False, 0), (False, 0)]
    assert answers[5] == (True, 2), "a freed window accepts again"


async def test_shares_the_library_keys(redis: Redis) -> None:
    """Hits counted in one trip are the library's window, read back by the library."""
    item = parse("10/minute")
    identity = f"shared-{uuid.uuid4()}"
    one_trip, library = MovingWindowInOneTrip(redis, KEY_PREFIX), _library(redis)
    for _ in range(4):
        last = await one_trip.hit(item, identity)
    assert await library.hit(item, identity)
    stats = await library.get_window_stats(item, identity)
    assert (last.remaining, stats.remaining) == (6, 5)
    assert stats.reset_time == pytest.approx(last.reset_at)
    assert (await one_trip.hit(item, identity)).remaining == 4


async def test_reloads_scripts_a_restarted_redis_forgot(redis: Redis) -> None:
    item = parse("5/minute")
    identity = f"flushed-{uuid.uuid4()}"
    one_trip = MovingWindowInOneTrip(redis, KEY_PREFIX)
    assert (await one_trip.hit(item, identity)).remaining == 4
    await redis.script_flush()
    state = await one_trip.hit(item, identity)
    assert (state.allowed, state.remaining) == (True, 3)
    assert state.reset_at > time.time()


async def test_a_missing_window_script_does_not_count_the_hit_twice(redis: Redis) -> None:
    """Redis knew the acquire script but not the window script (another client loaded only
    the one it used): the hit ran, so only the window is read again."""
    item = parse("5/minute")
    identity = f"half-{uuid.uuid4()}"
    one_trip = MovingWindowInOneTrip(redis, KEY_PREFIX)
    await redis.script_flush()
    await redis.script_load(RedisBridge.SCRIPT_ACQUIRE_MOVING_WINDOW)
    state = await one_trip.hit(item, identity)
    assert (state.allowed, state.remaining) == (True, 4)
    stats = await _library(redis).get_window_stats(item, identity)
    assert stats.remaining == 4, "counted once"
