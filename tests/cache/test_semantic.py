"""The cache through its public API, on both vector backends (in-process, Redis vector sets)."""

from __future__ import annotations

import asyncio
import time

from redis.asyncio import Redis

from colmeia.cache.factory import VectorBackend, close_cache
from colmeia.cache.semantic import SemanticCache
from colmeia.embeddings.minilm import MiniLMEmbedder
from tests.cache.conftest import CAPACITY, open_cache
from tests.cache.helpers import ANSWER, scoped

PROMPT = "What was the total revenue in March 2024?"
PARAPHRASE = "What was the totl revenue in Febuary 2024?"
TYPO = "What was the totl revenue in March 2024?"


class TestTiers:
    async def test_exact_hit_after_normalisation(self, cache: SemanticCache) -> None:
        scope, prompt = scoped(PROMPT)
        entry_id = await cache.store(scope, prompt, ANSWER, ttl_s=60)
        hit = await cache.lookup(scope, "  what was the TOTAL revenue in march 2024 ")
        assert hit is not None
        assert (hit.tier, hit.entry_id, hit.response) == ("exact", entry_id, ANSWER)
        assert hit.header() == "hit; tier=exact; score=1.000"

    async def test_semantic_hit_is_verified(self, cache: SemanticCache) -> None:
        scope, prompt = scoped(PROMPT)
        await cache.store(scope, prompt, ANSWER, ttl_s=60)
        hit = await cache.lookup(scope, TYPO)
        assert hit is not None
        assert hit.tier == "semantic"
        assert 0 < hit.score < 1
        assert await cache.lookup(scope, PARAPHRASE) is None  # February ≠ March

    async def test_stats_count_tiers_and_rejections(self, cache: SemanticCache) -> None:
        scope, prompt = scoped(PROMPT)
        await cache.store(scope, prompt, ANSWER, ttl_s=60, usage={"prompt_tokens": 7})
        await cache.lookup(scope, prompt)
        await cache.lookup(scope, TYPO)
        await cache.lookup(scope, "What was the total revenue in March 2025?")
        await cache.settle()  # lookups are counted after they answer
        stats = await cache.records.stats(scope.tenant)
        assert stats["hits_exact"] == stats["hits_semantic"] == stats["misses"] == 1
        assert stats["verifier_rejections"] == 1
        assert stats["saved_prompt_tokens"] == 14
        assert stats["entries"] == 1

    async def test_every_lookup_is_counted_across_batched_writes(
        self, cache: SemanticCache
    ) -> None:
        """Concurrent lookups of two tenants, in waves that land before, during and after the
        recorder's writes: none is lost or counted twice, each under its own tenant."""
        scope_a, prompt = scoped(PROMPT)
        scope_b, unrelated = scoped("Who approved the Lisbon office budget?", tenant="tenant-b")
        await cache.store(scope_a, prompt, ANSWER, ttl_s=60)
        for _ in range(4):
            await asyncio.gather(
                *(cache.lookup(scope_a, prompt) for _ in range(15)),
                *(cache.lookup(scope_b, unrelated) for _ in range(5)),
            )
            await asyncio.sleep(0.03)
        await cache.settle()
        a, b = await cache.records.stats("tenant-a"), await cache.records.stats("tenant-b")
        assert (a["lookups"], a["hits_exact"], a["misses"]) == (60, 60, 0)
        assert (b["lookups"], b["hits_exact"], b["misses"]) == (20, 0, 20)


class TestTenantIsolation:
    async def test_no_cross_tenant_hits(self, cache: SemanticCache) -> None:
        prompts = [PROMPT, TYPO, "How do I reset my password?", "How do I reset my pasword?"]
        for tenant in ("tenant-a", "tenant-b"):
            for prompt in prompts[::2]:
                scope, text = scoped(prompt, tenant=tenant)
                answer = {**ANSWER, "message": {"role": "assistant", "content": tenant}}
                await cache.store(scope, text, answer, ttl_s=60)
        cross = 0
        for tenant, other in (("tenant-a", "tenant-b"), ("tenant-b", "tenant-a")):
            for prompt in prompts:
                scope, text = scoped(prompt, tenant=tenant)
                hit = await cache.lookup(scope, text)
                assert hit is not None  # each tenant hits its own entries…
                cross += hit.response["message"] == {"role": "assistant", "content": other}
        assert cross == 0  # …and never the other's

    async def test_unknown_tenant_misses(self, cache: SemanticCache) -> None:
        scope, prompt = scoped(PROMPT, tenant="tenant-a")
        await cache.store(scope, prompt, ANSWER, ttl_s=60)
        for text in (PROMPT, TYPO):
            other, _ = scoped(text, tenant="tenant-c")
            assert await cache.lookup(other, text) is None

    async def test_shared_agents_share_across_tenants(self, cache: SemanticCache) -> None:
        scope, prompt = scoped(PROMPT, tenant="tenant-a", shared=True)
        await cache.store(scope, prompt, ANSWER, ttl_s=60)
        other, _ = scoped(PROMPT, tenant="tenant-b", shared=True)
        assert await cache.lookup(other, PROMPT) is not None


class TestScope:
    async def test_any_scope_change_misses(self, cache: SemanticCache) -> None:
        base = {"temperature": 0, "max_tokens": 100}
        scope, prompt = scoped(PROMPT, params=base)
        await cache.store(scope, prompt, ANSWER, ttl_s=60)
        assert await cache.lookup(scope, PROMPT) is not None
        tool = {"type": "function", "function": {"name": "revenue", "parameters": {}}}
        variants = [
            scoped(PROMPT, params=base, system="You are terse."),
            scoped(PROMPT, params=base, system=None),
            scoped(PROMPT, params={**base, "max_tokens": 200}),
            scoped(PROMPT, params={**base, "tool_choice": "none"}),
            scoped(PROMPT, params={**base, "response_format": {"type": "json_object"}}),
            scoped(PROMPT, params={**base, "tools": [tool]}),
            scoped(PROMPT, params=base, model="other-model"),
            scoped(PROMPT, params=base, history=[{"role": "user", "content": "Hi"}]),
        ]
        for variant, text in variants:
            assert variant.key != scope.key
            assert await cache.lookup(variant, text) is None

    async def test_transport_fields_do_not_change_scope(self) -> None:
        plain, _ = scoped(PROMPT, params={"temperature": 0})
        streamed, _ = scoped(PROMPT, params={"temperature": 0, "stream": True, "user": "u1"})
        assert plain.key == streamed.key


class TestExpiry:
    async def test_absolute_ttl(self, cache: SemanticCache, redis: Redis) -> None:
        scope, prompt = scoped(PROMPT)
        entry_id = await cache.store(scope, prompt, ANSWER, ttl_s=1.0)
        assert entry_id is not None
        deadline = await redis.pexpiretime(cache.records.entry_key(entry_id))
        assert await cache.lookup(scope, prompt) is not None
        assert await cache.lookup(scope, TYPO) is not None
        assert await redis.pexpiretime(cache.records.entry_key(entry_id)) == deadline
        await asyncio.sleep(1.1)
        assert await cache.lookup(scope, prompt) is None
        assert await cache.lookup(scope, TYPO) is None


class TestEviction:
    async def test_capacity_per_tenant_evicts_least_recently_used(
        self, cache: SemanticCache
    ) -> None:
        prompts = [f"What is the status of order {1000 + i}?" for i in range(CAPACITY + 1)]
        scopes = [scoped(p) for p in prompts]
        for scope, prompt in scopes[:CAPACITY]:
            await cache.store(scope, prompt, ANSWER, ttl_s=60)
        assert await cache.lookup(*scopes[0]) is not None  # order 1000 is now recently used
        await cache.store(*scopes[CAPACITY], ANSWER, ttl_s=60)
        assert await cache.lookup(*scopes[1]) is None  # the least recently used went
        for scope, prompt in [scopes[0], *scopes[2:]]:
            assert await cache.lookup(scope, prompt) is not None
        other_tenant, prompt = scoped(prompts[0], tenant="tenant-b")
        await cache.store(other_tenant, prompt, ANSWER, ttl_s=60)
        assert await cache.lookup(*scopes[0]) is not None  # capacity is per tenant
        assert (await cache.records.stats("tenant-a"))["evictions"] == 1


class TestReplicas:
    async def test_second_replica_sees_entries_within_a_second(
        self,
        cache: SemanticCache,
        redis: Redis,
        embedder: MiniLMEmbedder,
        backend: tuple[VectorBackend, str],
        prefix: str,
    ) -> None:
        replica = await open_cache(redis, embedder, backend[0], prefix)
        try:
            scope, prompt = scoped(PROMPT)
            assert await replica.lookup(scope, TYPO) is None  # replica has loaded this scope
            await cache.store(scope, prompt, ANSWER, ttl_s=60)
            started = time.monotonic()
            while await replica.lookup(scope, TYPO) is None:
                assert time.monotonic() - started < 1.0, "replica did not see the entry in 1 s"
                await asyncio.sleep(0.02)
            fresh = await open_cache(redis, embedder, backend[0], prefix)
            try:
                assert await fresh.lookup(scope, TYPO) is not None  # loaded from Redis
            finally:
                await close_cache(fresh)
        finally:
            await close_cache(replica)


class TestVectorSpaces:
    async def test_entries_of_another_precision_serve_only_exact_hits(
        self,
        cache: SemanticCache,
        redis: Redis,
        float_embedder: MiniLMEmbedder,
        backend: tuple[VectorBackend, str],
        prefix: str,
    ) -> None:
        """A deployment that changes ``embedding_precision`` keeps its exact hits; its older
        vectors are never compared with the new ones."""
        assert cache.embedder.space != float_embedder.space
        before = await open_cache(redis, float_embedder, backend[0], prefix)
        try:
            scope, prompt = scoped(PROMPT)
            await before.store(scope, prompt, ANSWER, ttl_s=60)
            assert await before.lookup(scope, TYPO) is not None  # a semantic hit in its space
        finally:
            await close_cache(before)
        exact = await cache.lookup(scope, prompt)
        assert exact is not None
        assert exact.tier == "exact"
        assert await cache.lookup(scope, TYPO) is None
        await cache.store(scope, TYPO, ANSWER, ttl_s=60)
        other = "What was the total revenu in March 2024?"
        hit = await cache.lookup(scope, other)
        assert hit is not None
        assert hit.cached_prompt == TYPO
