"""The cache's store of record in Redis: entries, exact keys, tenant capacity, tags and stats.

Key layout (``P`` is the prefix, ``colmeia:cache`` by default)::

    P:e:{id}                  hash   one entry: tenant, scope, prompt, response, tags, vector …
    P:x:{scope}:{text hash}   string the exact tier: normalised prompt → entry id
    P:ids:{scope}             set    entry ids of a scope (what an in-process index loads)
    P:t:{tenant}:lru          zset   entry id → last use (ms); capacity evicts the lowest
    P:t:{tenant}:scopes       set    scopes the tenant has written (purge by tenant)
    P:t:{tenant}:tag:{tag}    set    entry ids carrying a tag (invalidation by tag)
    P:t:{tenant}:stats        hash   counters
    P:tenants                 set    tenants with entries
    P:reports                 list   wrong-answer reports (newest first, capped)

Entries and exact keys expire at an absolute time (``PEXPIREAT``), never refreshed by a hit.
Index structures are cleaned lazily: a lookup that finds an id whose entry is gone drops it.
"""

from __future__ import annotations

import json
import secrets
import time
from collections import Counter
from collections.abc import Awaitable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeVar, cast

import numpy as np
from redis.asyncio import Redis

from colmeia.cache.scope import CacheScope, digest, normalise
from colmeia.embeddings.spaces import vector_space
from colmeia.embeddings.weights import Array

DEFAULT_PREFIX = "colmeia:cache"
FLOAT_SPACE = vector_space("fp32")
"""Entries written before vector spaces were recorded were all float."""
_REPORTS_KEPT = 1000
STAT_FIELDS = (
    "lookups", "hits_exact", "hits_semantic", "misses", "verifier_rejections", "stores",
    "evictions", "invalidations", "wrong_answers", "saved_prompt_tokens",
    "saved_completion_tokens", "saved_cost_nusd",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Entry:
    id: str
    tenant: str
    scope: str
    prompt: str
    response: dict[str, object]
    # object: the cached answer is whatever JSON the caller stored (an OpenAI message).
    tags: tuple[str, ...]
    created_at: float
    expires_at: float
    vector: Array | None
    usage: dict[str, int]
    space: str = FLOAT_SPACE
    """The embedder that made ``vector`` (`MiniLMEmbedder.space`): vectors of two spaces are
    never compared, so changing the embedding precision starts the semantic tier afresh."""

    @classmethod
    def from_hash(cls, entry_id: str, fields: Mapping[bytes, bytes]) -> Entry:
        vector = fields.get(b"vector")
        return cls(
            id=entry_id,
            tenant=fields[b"tenant"].decode(),
            scope=fields[b"scope"].decode(),
            prompt=fields[b"prompt"].decode(),
            response=json.loads(fields[b"response"]),
            tags=tuple(json.loads(fields.get(b"tags", b"[]"))),
            created_at=float(fields[b"created_at"]),
            expires_at=float(fields[b"expires_at"]),
            vector=np.frombuffer(vector, dtype=np.float32) if vector else None,
            usage=json.loads(fields.get(b"usage", b"{}")),
            space=fields.get(b"space", FLOAT_SPACE.encode()).decode(),
        )


@dataclass(slots=True)
class LookupRecord:
    """One tenant's lookups not written yet: counters to add, and hit entries' last use (ms)."""

    counters: Counter[str] = field(default_factory=Counter)
    used: dict[str, float] = field(default_factory=dict)


T = TypeVar("T")


async def done(value: Awaitable[T] | T) -> T:
    """redis-py types its asyncio commands as "awaitable or value"; the asyncio client always
    returns the awaitable."""
    return await cast(Awaitable[T], value)


def new_entry_id() -> str:
    """A random 63-bit id: an integer key for in-process indexes, a string for Redis."""
    return str(secrets.randbits(63))


class CacheStore:
    """Reads and writes the Redis layout above; knows nothing of embeddings or verification."""

    def __init__(self, redis: Redis, prefix: str = DEFAULT_PREFIX) -> None:
        self.redis = redis
        self.prefix = prefix

    def entry_key(self, entry_id: str) -> str:
        return f"{self.prefix}:e:{entry_id}"

    def exact_key(self, scope: str, prompt: str) -> str:
        return f"{self.prefix}:x:{scope}:{digest(normalise(prompt))}"

    def ids_key(self, scope: str) -> str:
        return f"{self.prefix}:ids:{scope}"

    def tenant_key(self, tenant: str, suffix: str) -> str:
        return f"{self.prefix}:t:{tenant}:{suffix}"

    async def put(
        self, scope: CacheScope, entry: Entry, exact_prompt: str, capacity: int
    ) -> list[Entry]:
        """Write ``entry``; returns the entries evicted to keep the tenant within ``capacity``."""
        expire_ms = int(entry.expires_at * 1000)
        fields: dict[str, str | bytes] = {
            "tenant": entry.tenant,
            "scope": entry.scope,
            "prompt": entry.prompt,
            "response": json.dumps(entry.response),
            "tags": json.dumps(list(entry.tags)),
            "created_at": repr(entry.created_at),
            "expires_at": repr(entry.expires_at),
            "usage": json.dumps(entry.usage),
            "space": entry.space,
        }
        if entry.vector is not None:
            fields["vector"] = entry.vector.astype(np.float32).tobytes()
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(self.entry_key(entry.id), mapping=fields)
            pipe.pexpireat(self.entry_key(entry.id), expire_ms)
            pipe.set(self.exact_key(scope.key, exact_prompt), entry.id, pxat=expire_ms)
            pipe.sadd(self.ids_key(scope.key), entry.id)
            pipe.zadd(self.tenant_key(entry.tenant, "lru"), {entry.id: time.time() * 1000})
            pipe.sadd(self.tenant_key(entry.tenant, "scopes"), scope.key)
            pipe.sadd(f"{self.prefix}:tenants", entry.tenant)
            for tag in entry.tags:
                pipe.sadd(self.tenant_key(entry.tenant, f"tag:{tag}"), entry.id)
            pipe.hincrby(self.tenant_key(entry.tenant, "stats"), "stores", 1)
            pipe.zcard(self.tenant_key(entry.tenant, "lru"))
            results = await pipe.execute()
        overflow = int(results[-1]) - capacity
        return await self._evict_oldest(entry.tenant, overflow) if overflow > 0 else []

    async def _evict_oldest(self, tenant: str, count: int) -> list[Entry]:
        popped = await done(self.redis.zpopmin(self.tenant_key(tenant, "lru"), count))
        ids = [member.decode() for member, _ in popped]
        entries = await self.delete(ids)
        await done(self.redis.hincrby(self.tenant_key(tenant, "stats"), "evictions", len(ids)))
        return entries

    async def exact_id(self, scope: str, prompt: str) -> str | None:
        value = await done(self.redis.get(self.exact_key(scope, prompt)))
        return value.decode() if value else None

    async def get_many(self, ids: Sequence[str]) -> list[Entry | None]:
        """The live entries for ``ids`` (None where one expired or was deleted)."""
        if not ids:
            return []
        async with self.redis.pipeline(transaction=False) as pipe:
            for entry_id in ids:
                pipe.hgetall(self.entry_key(entry_id))
            rows = await pipe.execute()
        now = time.time()
        entries: list[Entry | None] = []
        for entry_id, row in zip(ids, rows, strict=True):
            entry = Entry.from_hash(entry_id, row) if row else None
            entries.append(entry if entry is not None and entry.expires_at > now else None)
        return entries

    async def record_lookups(self, lookups: Mapping[str, LookupRecord]) -> None:
        """Add up the lookups of each tenant and record the hits' use for eviction order (LRU),
        in one round trip. An entry's expiry time never moves."""
        async with self.redis.pipeline(transaction=False) as pipe:
            for tenant, record in lookups.items():
                for name, amount in record.counters.items():
                    pipe.hincrby(self.tenant_key(tenant, "stats"), name, amount)
                if record.used:
                    pipe.zadd(self.tenant_key(tenant, "lru"), record.used, xx=True)
            await pipe.execute()

    async def delete(self, ids: Iterable[str]) -> list[Entry]:
        """Remove entries and their exact keys, tags and set memberships; returns them."""
        found = [e for e in await self.get_many(list(ids)) if e is not None]
        async with self.redis.pipeline(transaction=True) as pipe:
            for entry in found:
                pipe.delete(self.entry_key(entry.id))
                pipe.delete(self.exact_key(entry.scope, entry.prompt))
                pipe.srem(self.ids_key(entry.scope), entry.id)
                pipe.zrem(self.tenant_key(entry.tenant, "lru"), entry.id)
                for tag in entry.tags:
                    pipe.srem(self.tenant_key(entry.tenant, f"tag:{tag}"), entry.id)
            await pipe.execute()
        return found

    async def forget_ids(self, scope: str, ids: Iterable[str]) -> None:
        """Drop ids whose entries are already gone (expired) from a scope's id set."""
        members = list(ids)
        if members:
            await done(self.redis.srem(self.ids_key(scope), *members))

    async def scope_ids(self, scope: str) -> list[str]:
        return [m.decode() for m in await done(self.redis.smembers(self.ids_key(scope)))]

    async def vectors(self, ids: Sequence[str]) -> list[bytes | None]:
        """The stored vectors of ``ids`` (what an in-process index loads a scope from)."""
        async with self.redis.pipeline(transaction=False) as pipe:
            for entry_id in ids:
                pipe.hget(self.entry_key(entry_id), "vector")
            result: list[bytes | None] = await pipe.execute()
        return result

    async def tagged(self, tenant: str, tag: str) -> list[str]:
        key = self.tenant_key(tenant, f"tag:{tag}")
        return [m.decode() for m in await done(self.redis.smembers(key))]

    async def tenant_ids(self, tenant: str) -> list[str]:
        members = await done(self.redis.zrange(self.tenant_key(tenant, "lru"), 0, -1))
        return [m.decode() for m in members]

    async def tenant_scopes(self, tenant: str) -> list[str]:
        members = await done(self.redis.smembers(self.tenant_key(tenant, "scopes")))
        return [m.decode() for m in members]

    async def forget_tag(self, tenant: str, tag: str) -> None:
        await done(self.redis.delete(self.tenant_key(tenant, f"tag:{tag}")))

    async def drop_tenant_indexes(self, tenant: str) -> None:
        """After a tenant purge: its scopes' id sets and vector sets go too."""
        scopes = await self.tenant_scopes(tenant)
        keys = [k for s in scopes for k in (self.ids_key(s), f"{self.prefix}:v:{s}")]
        if keys:
            await done(self.redis.delete(*keys))
        await done(self.redis.delete(self.tenant_key(tenant, "scopes")))

    async def count(self, tenant: str, field: str, amount: int = 1) -> None:
        await done(self.redis.hincrby(self.tenant_key(tenant, "stats"), field, amount))

    async def stats(self, tenant: str) -> dict[str, int]:
        """Counters and the live entry count of one tenant."""
        raw = await done(self.redis.hgetall(self.tenant_key(tenant, "stats")))
        counters = {k.decode(): int(v) for k, v in raw.items()}
        result = {name: counters.get(name, 0) for name in STAT_FIELDS}
        result["entries"] = int(await done(self.redis.zcard(self.tenant_key(tenant, "lru"))))
        return result

    async def report(self, report: Mapping[str, object]) -> None:
        key = f"{self.prefix}:reports"
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.lpush(key, json.dumps(report))
            pipe.ltrim(key, 0, _REPORTS_KEPT - 1)
            await pipe.execute()

    async def reports(self, tenant: str, limit: int) -> list[dict[str, object]]:
        rows = await done(self.redis.lrange(f"{self.prefix}:reports", 0, _REPORTS_KEPT - 1))
        parsed = [json.loads(r) for r in rows]
        return [r for r in parsed if r.get("tenant") == tenant][:limit]
