"""The Redis side of budgets: reserve, settle and refund as single Lua scripts.

A reservation checks every line and increments every counter in one atomic step, so 200
concurrent callers against one budget can never jointly pass it: a reservation is refused
when ``spent + outstanding + estimate`` would exceed the limit. Settling replaces the
estimate with the real usage; refunding removes it. Counters never go below zero, and a
reservation can be settled or refunded once (a second call is a no-op).

Redis unreachable → `BudgetUnavailable`: budgets fail closed.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from redis.asyncio import Redis
from redis.exceptions import RedisError

from colmeia.budgets.errors import BudgetExhausted, BudgetUnavailable
from colmeia.budgets.lines import (
    DIRTY_KEY,
    EXPIRY_S,
    RESERVATION_PREFIX,
    BudgetLine,
    Cost,
    counter_key,
)
from colmeia.kit.time import utc_now

RESERVE = """
local n = #KEYS - 2
local et, ec, ttl = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
for i = 1, n do
  local mt, mc = tonumber(ARGV[3 + 3 * i - 2]), tonumber(ARGV[3 + 3 * i - 1])
  local used = redis.call('HMGET', KEYS[i], 't', 'c')
  local ut, uc = tonumber(used[1] or '0'), tonumber(used[2] or '0')
  if mt >= 0 and ut + et > mt then return {i, 0, ut, mt} end
  if mc >= 0 and uc + ec > mc then return {i, 1, uc, mc} end
end
for i = 1, n do
  redis.call('HINCRBY', KEYS[i], 't', et)
  redis.call('HINCRBY', KEYS[i], 'c', ec)
  local expiry = tonumber(ARGV[3 + 3 * i])
  if expiry > 0 then redis.call('EXPIRE', KEYS[i], expiry) end
  redis.call('SADD', KEYS[n + 2], KEYS[i])
end
redis.call('HSET', KEYS[n + 1], 't', et, 'c', ec)
redis.call('EXPIRE', KEYS[n + 1], ttl)
return {0}
"""

SETTLE = """
local n = #KEYS - 2
local held = redis.call('HMGET', KEYS[n + 1], 't', 'c')
if not held[1] then return 0 end
local dt = tonumber(ARGV[1]) - tonumber(held[1])
local dc = tonumber(ARGV[2]) - tonumber(held[2])
for i = 1, n do
  if redis.call('HINCRBY', KEYS[i], 't', dt) < 0 then redis.call('HSET', KEYS[i], 't', 0) end
  if redis.call('HINCRBY', KEYS[i], 'c', dc) < 0 then redis.call('HSET', KEYS[i], 'c', 0) end
  redis.call('SADD', KEYS[n + 2], KEYS[i])
end
redis.call('DEL', KEYS[n + 1])
return 1
"""


@dataclass(frozen=True, slots=True)
class Reservation:
    """Held budget for one call; hand it back to `settle` or `refund` exactly once."""

    id: str
    counter_keys: tuple[str, ...]
    estimate: Cost

    @property
    def key(self) -> str:
        return f"{RESERVATION_PREFIX}:{self.id}"


def _limit(value: int | None) -> int:
    return -1 if value is None else value


class BudgetLedger:
    """Atomic budget counters in Redis; the API the LLM gateway's hooks call."""

    def __init__(self, redis: Redis, *, reservation_ttl_s: int = 3600) -> None:
        self._redis = redis
        self._ttl = reservation_ttl_s
        self._reserve = redis.register_script(RESERVE)
        self._settle = redis.register_script(SETTLE)

    async def reserve(self, lines: Sequence[BudgetLine], estimate: Cost) -> Reservation:
        """Hold ``estimate`` against every line at once, or raise `BudgetExhausted` naming the
        first line that cannot take it."""
        now = utc_now()
        keys = tuple(counter_key(line, now) for line in lines)
        reservation = Reservation(uuid.uuid4().hex, keys, estimate)
        argv: list[int] = [estimate.tokens, estimate.cost_micros, self._ttl]
        for line in lines:
            argv += [_limit(line.max_tokens), _limit(line.max_cost_micros), EXPIRY_S[line.period]]
        try:
            result = await self._reserve(keys=[*keys, reservation.key, DIRTY_KEY], args=argv)
        except RedisError as error:
            raise BudgetUnavailable(
                "budgets cannot be checked right now; the call was not made",
                details={"reason": type(error).__name__},
            ) from None
        if int(result[0]) != 0:
            raise _exhausted(lines[int(result[0]) - 1], result)
        return reservation

    async def settle(self, reservation: Reservation, actual: Cost) -> bool:
        """Replace the held estimate by the real usage; False when already settled/refunded."""
        try:
            done = await self._settle(
                keys=[*reservation.counter_keys, reservation.key, DIRTY_KEY],
                args=[actual.tokens, actual.cost_micros],
            )
        except RedisError as error:
            raise BudgetUnavailable(
                "budget usage could not be recorded", details={"reason": type(error).__name__}
            ) from None
        return bool(done)

    async def refund(self, reservation: Reservation) -> bool:
        """Release the held estimate (the call failed or was served from the cache)."""
        return await self.settle(reservation, Cost(0, 0))

    async def spent(self, line: BudgetLine) -> Cost:
        """Spent plus outstanding reservations for the current period of ``line``."""
        try:
            values = await self._redis.hmget(counter_key(line, utc_now()), ["t", "c"])  # type: ignore[misc]
        except RedisError as error:
            raise BudgetUnavailable(
                "budgets cannot be read right now", details={"reason": type(error).__name__}
            ) from None
        return Cost(int(values[0] or 0), int(values[1] or 0))


def _exhausted(line: BudgetLine, result: list[int]) -> BudgetExhausted:
    dimension = "tokens" if int(result[1]) == 0 else "cost_micros"
    return BudgetExhausted(
        f"the {line.period.value} {dimension} budget of {line.scope} {line.subject_id} "
        "is exhausted",
        details={
            "scope": line.scope,
            "subject_id": line.subject_id,
            "period": line.period.value,
            "dimension": dimension,
            "used": int(result[2]),
            "limit": int(result[3]),
        },
    )
