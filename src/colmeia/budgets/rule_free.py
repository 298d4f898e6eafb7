"""Which tenants have no budget rule, known without a database read on every LLM call.

Every call through the gateway asks for its budget lines: the rules of its tenant, user, key,
thread and run. Most tenants have no rule at all, and asking the database each time was the
largest cost the budget added to a call (a session and a query per call, ~6% of the API's CPU
on ``/v1/chat/completions``). So each tenant's rules carry a generation number in Redis, bumped
after every committed change (`rules_changed`); a process remembers, per tenant, the generation
at which it found no rule and asks the database again only when the generation moved, or after
``max_age_s`` in case a bump was lost while Redis was unreachable.

Tenants with rules are not remembered: their calls read their lines as before, so a rule is
enforced from the first call after its commit on every replica.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from redis.asyncio import Redis
from redis.exceptions import RedisError

logger = logging.getLogger("colmeia.budgets")

GENERATION_KEY = "colmeia:budgets:generation:{tenant_id}"
MAX_AGE_S = 30.0
MAX_TENANTS = 10_000
"""Remembered tenants per process; past it the memory starts over (a database read each)."""


def _key(tenant_id: uuid.UUID) -> str:
    return GENERATION_KEY.format(tenant_id=tenant_id)


async def rules_changed(redis: Redis, tenant_id: uuid.UUID) -> None:
    """Tell every process that ``tenant_id``'s rules changed; call it after the commit (before
    it, a process could read the new generation, then the old rows, and remember both)."""
    try:
        await redis.incr(_key(tenant_id))
    except RedisError as error:
        logger.warning(
            "budget rules of tenant %s changed but Redis is unreachable (%s): other processes "
            "apply the change within %.0f s",
            tenant_id,
            type(error).__name__,
            MAX_AGE_S,
        )


@dataclass(frozen=True)
class _Seen:
    generation: bytes
    at: float


class RuleFreeTenants:
    """This process's memory of tenants found without any budget rule, per generation."""

    def __init__(
        self,
        redis: Redis,
        *,
        max_age_s: float = MAX_AGE_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._redis = redis
        self._max_age_s = max_age_s
        self._clock = clock
        self._seen: dict[uuid.UUID, _Seen] = {}

    async def generation(self, tenant_id: uuid.UUID) -> bytes | None:
        """The tenant's current generation (``b"0"`` before any change), or None when Redis
        cannot say: then nothing is remembered and the database decides."""
        try:
            value = await self._redis.get(_key(tenant_id))
        except RedisError:
            return None
        return value if isinstance(value, bytes) else str(value or 0).encode()

    def known_free(self, tenant_id: uuid.UUID, generation: bytes | None) -> bool:
        seen = self._seen.get(tenant_id)
        if seen is None or generation is None or seen.generation != generation:
            return False
        return self._clock() - seen.at < self._max_age_s

    def remember(self, tenant_id: uuid.UUID, generation: bytes | None, *, free: bool) -> None:
        """Record what the database said at ``generation`` (read before the database was)."""
        if generation is None or not free:
            self._seen.pop(tenant_id, None)
            return
        if len(self._seen) >= MAX_TENANTS:
            self._seen.clear()
        self._seen[tenant_id] = _Seen(generation, self._clock())
