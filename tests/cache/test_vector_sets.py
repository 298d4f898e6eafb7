"""Redis vector sets on the embedded Redis 8: new scopes are projected by Redis, and a set made
before projection keeps taking and finding full vectors."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import numpy as np
import pytest
from redis.asyncio import Redis

from colmeia.cache.index import PROJECTED_DIMENSIONS, VectorSetIndex
from colmeia.embeddings.minilm import DIMENSIONS
from colmeia.embeddings.weights import Array
from colmeia.redis import create_redis


@pytest.fixture
async def redis(vector_set_redis_url: str) -> AsyncIterator[Redis]:
    client = create_redis(vector_set_redis_url)
    yield client
    await client.aclose()


def _unit_vectors(count: int) -> Array:
    vectors = np.random.default_rng(5).standard_normal((count, DIMENSIONS)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


async def _info(redis: Redis, key: str) -> dict[str, object]:
    raw = await redis.execute_command("VINFO", key)  # type: ignore[no-untyped-call]
    pairs = iter(raw)
    return {name.decode(): value for name, value in zip(pairs, pairs, strict=True)}


async def test_new_scopes_are_projected_and_searchable(redis: Redis) -> None:
    prefix, scope = f"test-vset:{uuid.uuid4().hex[:8]}", "scope"
    index = VectorSetIndex(redis, prefix)
    vectors = _unit_vectors(50)
    for number, vector in enumerate(vectors):
        await index.add(scope, str(number), vector)
    info = await _info(redis, f"{prefix}:v:{scope}")
    assert (info["vector-dim"], info["projection-input-dim"]) == (PROJECTED_DIMENSIONS, DIMENSIONS)
    assert info["size"] == 50
    for number in (0, 17, 49):
        assert (await index.search(scope, vectors[number], 5))[0] == str(number)


async def test_a_set_made_before_projection_keeps_working(redis: Redis) -> None:
    prefix, scope = f"test-vset:{uuid.uuid4().hex[:8]}", "legacy"
    key = f"{prefix}:v:{scope}"
    vectors = _unit_vectors(20)
    await redis.execute_command(  # type: ignore[no-untyped-call]
        "VADD", key, "FP32", vectors[0].tobytes(), "0", "Q8"
    )
    index = VectorSetIndex(redis, prefix)
    for number, vector in enumerate(vectors[1:], start=1):
        await index.add(scope, str(number), vector)
    info = await _info(redis, key)
    assert (info["vector-dim"], info["size"]) == (DIMENSIONS, 20)
    assert (await index.search(scope, vectors[7], 3))[0] == "7"
    await index.drop_scope(scope)
    await index.add(scope, "1", vectors[1])
    assert (await _info(redis, key))["vector-dim"] == PROJECTED_DIMENSIONS, "made again, projected"
