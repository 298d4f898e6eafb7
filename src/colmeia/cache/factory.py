"""Builds a `SemanticCache` on a Redis client, picking the vector backend the server supports."""

from __future__ import annotations

import logging
from typing import Literal

from redis.asyncio import Redis

from colmeia.cache.index import InProcessIndex, VectorIndex, VectorSetIndex, supports_vector_sets
from colmeia.cache.semantic import CacheConfig, SemanticCache, build_verifier
from colmeia.cache.store import DEFAULT_PREFIX, CacheStore
from colmeia.cache.verifier import Verifier
from colmeia.embeddings.minilm import MiniLMEmbedder

logger = logging.getLogger(__name__)

VectorBackend = Literal["auto", "redis", "memory"]


async def create_cache(
    redis: Redis,
    embedder: MiniLMEmbedder,
    *,
    prefix: str = DEFAULT_PREFIX,
    backend: VectorBackend = "auto",
    config: CacheConfig | None = None,
    verifier: Verifier | None = None,
) -> SemanticCache:
    """A ready cache; ``auto`` uses Redis vector sets when the server has them (Redis 8),
    otherwise an in-process index that follows the other replicas through Redis.

    ``verifier`` defaults to `build_verifier` (~0.7 s: callers on a serving loop build it in a
    thread). Close it with `close_cache` (stops the index follower)."""
    store = CacheStore(redis, prefix)
    index: VectorIndex
    if backend == "redis" or (backend == "auto" and await supports_vector_sets(redis)):
        index = VectorSetIndex(redis, prefix)
    else:
        in_process = InProcessIndex(store, embedder.dimensions)
        await in_process.start()
        index = in_process
    logger.info("semantic cache ready (vector index: %s)", type(index).__name__)
    return SemanticCache(
        store, index, embedder, verifier or build_verifier(embedder), config or CacheConfig()
    )


async def close_cache(cache: SemanticCache) -> None:
    await cache.settle()
    await cache.index.close()
