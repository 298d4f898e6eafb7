"""Cache fixtures: one embedder per session, and both vector backends on real Redis servers.

``memory`` runs the in-process index on the suite's Redis (Redis 7 here: no vector sets);
``redis`` runs Redis 8 vector sets on an embedded server started for the session.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from redis.asyncio import Redis

from colmeia.cache.factory import VectorBackend, close_cache, create_cache
from colmeia.cache.semantic import CacheConfig, SemanticCache
from colmeia.config import CacheSettings
from colmeia.embedded.redis_server import EmbeddedRedis
from colmeia.embeddings.minilm import MiniLMEmbedder
from colmeia.redis import create_redis

CAPACITY = 5


@pytest.fixture(scope="session")
def embedder() -> MiniLMEmbedder:
    """The precision the service runs with."""
    return MiniLMEmbedder(precision=CacheSettings().embedding_precision)


@pytest.fixture(scope="session")
def float_embedder() -> MiniLMEmbedder:
    return MiniLMEmbedder(precision="fp32")


@pytest.fixture(scope="session")
def vector_set_redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with EmbeddedRedis(tmp_path_factory.mktemp("vset"), load_falkordb=False) as server:
        yield server.url


@pytest.fixture(params=["memory", "redis"])
def backend(request: pytest.FixtureRequest, redis_url: str) -> tuple[VectorBackend, str]:
    if request.param == "memory":
        return "memory", redis_url
    return "redis", request.getfixturevalue("vector_set_redis_url")


@pytest.fixture
def prefix() -> str:
    return f"test-cache:{uuid.uuid4().hex[:10]}"


@pytest.fixture
async def redis(backend: tuple[VectorBackend, str]) -> AsyncIterator[Redis]:
    client = create_redis(backend[1])
    yield client
    await client.aclose()


async def open_cache(
    redis: Redis, embedder: MiniLMEmbedder, backend: VectorBackend, prefix: str
) -> SemanticCache:
    return await create_cache(
        redis,
        embedder,
        prefix=prefix,
        backend=backend,
        config=CacheConfig(capacity_per_tenant=CAPACITY),
    )


@pytest.fixture
async def cache(
    redis: Redis, embedder: MiniLMEmbedder, backend: tuple[VectorBackend, str], prefix: str
) -> AsyncIterator[SemanticCache]:
    opened = await open_cache(redis, embedder, backend[0], prefix)
    yield opened
    await close_cache(opened)
    keys = [key async for key in redis.scan_iter(match=f"{prefix}:*")]
    if keys:
        await redis.delete(*keys)


def write_pairs(path: Path, rows: list[dict[str, object]]) -> Path:
    import json

    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path
