"""The in-process index loads a scope in the background and never makes a lookup wait for it.

Real Redis (the suite's, Redis 7: the in-process index is its vector search). A scope of
2,000 entries is written to the store of record; a fresh replica's index is asked before the
scope could load (`load_wait_s=0`), answers with no candidates, and finds the entries once the
load has run, including the changes made while it was loading.
"""

from __future__ import annotations

import asyncio
import time
import uuid

import numpy as np
import pytest
from redis.asyncio import Redis

from colmeia.cache.index import InProcessIndex
from colmeia.cache.store import CacheStore, Entry, new_entry_id
from colmeia.embeddings.minilm import DIMENSIONS
from colmeia.embeddings.spaces import vector_space
from colmeia.embeddings.weights import Array
from tests.cache.helpers import ANSWER, scoped

ENTRIES = 2_000


@pytest.fixture
async def store(redis_url: str) -> CacheStore:
    return CacheStore(Redis.from_url(redis_url), f"test-index:{uuid.uuid4().hex[:10]}")


async def _fill(store: CacheStore, vectors: Array) -> list[str]:
    scope, prompt = scoped("filler")
    now = time.time()
    ids = []
    for start in range(0, len(vectors), 200):
        batch = []
        for vector in vectors[start : start + 200]:
            entry = Entry(new_entry_id(), scope.tenant, scope.key, prompt, ANSWER, (), now,
                          now + 600, vector, {}, vector_space("fp32"))  # fmt: skip
            batch.append(store.put(scope, entry, f"{prompt} {entry.id}", capacity=10**6))
            ids.append(entry.id)
        await asyncio.gather(*batch)
    return ids


async def _search_until_found(index: InProcessIndex, scope: str, vector: Array) -> list[str]:
    for _ in range(600):
        found = await index.search(scope, vector, 1)
        if found:
            return found
        await asyncio.sleep(0.05)
    raise AssertionError("the scope never loaded")


class TestBackgroundLoad:
    async def test_lookups_miss_while_loading_then_see_every_change(
        self, store: CacheStore
    ) -> None:
        rng = np.random.default_rng(3)
        vectors = rng.standard_normal((ENTRIES + 1, DIMENSIONS)).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        ids = await _fill(store, vectors[:ENTRIES])
        scope = scoped("filler")[0].key
        index = InProcessIndex(store, DIMENSIONS, load_wait_s=0.0)
        await index.start()
        try:
            assert await index.search(scope, vectors[0], 1) == []  # loading: no candidates
            added = new_entry_id()
            await index.add(scope, added, vectors[ENTRIES])  # while the scope loads
            await index.remove(scope, [ids[1]])
            assert await _search_until_found(index, scope, vectors[0]) == [ids[0]]
            assert await index.search(scope, vectors[ENTRIES], 1) == [added]
            assert ids[1] not in await index.search(scope, vectors[1], 5)
        finally:
            await index.close()
            await store.redis.aclose()
