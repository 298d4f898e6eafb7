"""Redis unreachable: the cache steps aside with a clear log line; callers are still served."""

from __future__ import annotations

import logging

import pytest

from colmeia.cache.factory import close_cache, create_cache
from colmeia.embeddings.minilm import MiniLMEmbedder
from colmeia.redis import create_redis
from tests.cache.helpers import ANSWER, scoped
from tests.fixtures.backends import free_port


class TestRedisDown:
    @pytest.mark.parametrize("backend", ["redis", "memory"])
    async def test_lookup_and_store_bypass(
        self, embedder: MiniLMEmbedder, backend: str, caplog: pytest.LogCaptureFixture
    ) -> None:
        redis = create_redis(f"redis://127.0.0.1:{free_port()}/0")
        cache = await create_cache(redis, embedder, backend="redis")
        if backend == "memory":
            from colmeia.cache.index import InProcessIndex

            cache.index = InProcessIndex(cache.records, embedder.dimensions)
        scope, prompt = scoped("What was the total revenue in March 2024?")
        with caplog.at_level(logging.WARNING, logger="colmeia.cache.semantic"):
            assert await cache.store(scope, prompt, ANSWER, ttl_s=60) is None
            assert await cache.lookup(scope, prompt) is None
        assert cache.bypassed == 2
        lines = [r.getMessage() for r in caplog.records if r.name == "colmeia.cache.semantic"]
        assert len(lines) == 1  # rate-limited: one line, not one per request
        assert "semantic cache bypassed: Redis unreachable" in lines[0]
        await close_cache(cache)
        await redis.aclose()
