"""Semantic cache lookup latency, embedding included, at 1k / 10k / 100k entries in one scope.

Both vector backends run on the embedded Redis 8 (the zero-config default): Redis vector sets
(VSIM, Q8, projected to 128 dims, search EF 100) and the in-process usearch index synced from
Redis. Filler entries carry random unit vectors (as DESIGN §4's measurements did: embedding
100k texts would take ~10 min); 40 real questions are stored through `SemanticCache.store`, and
the timed lookups are their paraphrases (verified semantic hits) and unrelated questions
(misses), through `SemanticCache.lookup` — embedding, vector search, store of record and verifier.
The baseline measured in the same run is the embedding alone: the ratio shows what the cache
adds on top of the one cost every semantic cache pays.

Quality against GPTCache (hit / false-hit rates on the labelled pairs) is `bench/gptcache.py`.
Target (issue 6): p50 ≤ 6 ms and p95 ≤ 12 ms at 100k entries.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from redis.asyncio import Redis

from bench.report import summary, write_section
from colmeia.cache.factory import VectorBackend, close_cache, create_cache
from colmeia.cache.index import VectorSetIndex
from colmeia.cache.scope import scope_request
from colmeia.cache.semantic import CacheConfig, SemanticCache
from colmeia.cache.store import Entry, new_entry_id
from colmeia.config import CacheSettings
from colmeia.embedded.redis_server import EmbeddedRedis
from colmeia.embeddings.minilm import MiniLMEmbedder

SIZES = (1_000, 10_000, 100_000)
ROUNDS = 10
ANSWER = {"message": {"role": "assistant", "content": "ok"}, "finish_reason": "stop"}
TOPICS = [
    "revenue", "churn", "headcount", "refunds", "latency", "invoices", "tickets", "deploys",
    "signups", "orders",
]  # fmt: skip
STORED = [f"What was the total {t} in March {2020 + i % 5}?" for i, t in enumerate(TOPICS)] + [
    f"How do I export the {t} report as CSV?" for t in TOPICS
]
PARAPHRASES = [q.replace("total", "totl").replace("export", "exprot") for q in STORED]
UNRELATED = [f"Who approved the {t} budget for the Lisbon office?" for t in TOPICS]
SCOPE = scope_request(
    tenant="bench",
    model="bench",
    messages=[{"role": "user", "content": "x"}],
    params={"temperature": 0},
)
assert SCOPE is not None


async def _fill(cache: SemanticCache, count: int, rng: np.random.Generator) -> None:
    """``count`` filler entries with random unit vectors, written in concurrent batches."""
    now = time.time()

    async def one(vector: np.ndarray) -> None:  # type: ignore[type-arg]
        entry = Entry(new_entry_id(), "bench", SCOPE.scope.key, f"filler {vector[0]:.6f}",
                      ANSWER, (), now, now + 86400, vector.astype(np.float32), {},
                      cache.embedder.space)  # fmt: skip
        await cache.records.put(SCOPE.scope, entry, entry.prompt, capacity=1_000_000)
        await cache.index.add(SCOPE.scope.key, entry.id, entry.vector)  # type: ignore[arg-type]

    vectors = rng.standard_normal((count, 384)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    batch = 50 if isinstance(cache.index, VectorSetIndex) else 500  # VADD queues server-side
    for start in range(0, count, batch):
        await asyncio.gather(*(one(v) for v in vectors[start : start + batch]))


async def _settled(redis: Redis) -> None:
    """Rewrite the AOF after a bulk fill and wait for it: the fill's own automatic rewrites
    (a forked child compacting hundreds of MB on 2 cores) otherwise land in the timed lookups,
    and the 10k row came out slower than the 100k row."""
    while (await redis.info("persistence"))["aof_rewrite_in_progress"]:
        await asyncio.sleep(0.1)
    await redis.bgrewriteaof()
    while True:
        persistence = await redis.info("persistence")
        if not (persistence["aof_rewrite_in_progress"] or persistence["aof_rewrite_scheduled"]):
            return
        await asyncio.sleep(0.1)


async def _lookups(cache: SemanticCache) -> tuple[list[float], int]:
    timings: list[float] = []
    hits = 0
    for _ in range(ROUNDS):
        for question in PARAPHRASES + UNRELATED:
            started = time.perf_counter()
            hit = await cache.lookup(SCOPE.scope, question)
            timings.append((time.perf_counter() - started) * 1000)
            hits += hit is not None
    return timings, hits


async def _backend(redis: Redis, embedder: MiniLMEmbedder, backend: VectorBackend) -> list[str]:
    config = CacheConfig(capacity_per_tenant=1_000_000)
    prefix = f"bench-cache:{backend}"
    cache = await create_cache(redis, embedder, prefix=prefix, backend=backend, config=config)
    rng = np.random.default_rng(7)
    for question in STORED:
        await cache.store(SCOPE.scope, question, ANSWER, ttl_s=86400)
    rows: list[str] = []
    filled = len(STORED)
    for size in SIZES:
        await _fill(cache, size - filled, rng)
        filled = size
        await _settled(redis)
        await _lookups(cache)  # warm: the in-process index loads, word vectors are memoised
        timings, hits = await _lookups(cache)
        p50, p95 = summary(timings)
        expected = ROUNDS * len(PARAPHRASES)
        rows.append(f"| {backend} | {size:,} | {p50:.2f} | {p95:.2f} | {hits}/{expected} |")
        print(rows[-1], flush=True)
    await close_cache(cache)
    return rows


def _embedding_baseline(embedder: MiniLMEmbedder) -> tuple[float, float]:
    timings = []
    for question in (PARAPHRASES + UNRELATED) * ROUNDS:
        started = time.perf_counter()
        embedder.embed_one(question)
        timings.append((time.perf_counter() - started) * 1000)
    return summary(timings)


async def _run(url: str, backends: list[VectorBackend]) -> str:
    embedder = MiniLMEmbedder(precision=CacheSettings().embedding_precision)
    base50, base95 = _embedding_baseline(embedder)
    # A longer read timeout than the service's 2 s: filling 100k HNSW entries queues writes.
    redis = Redis.from_url(url, socket_timeout=60)
    rows = []
    try:
        for backend in backends:
            rows += await _backend(redis, embedder, backend)
    finally:
        await redis.flushdb()
        await redis.aclose()
    header = (
        "| vector index | entries in scope | lookup p50 ms | lookup p95 ms | verified hits |\n"
        "|---|---|---|---|---|\n"
    )
    return (
        f"Embedding alone (baseline, {embedder.backend} backend, {embedder.precision}): "
        f"p50 {base50:.2f} ms, p95 {base95:.2f} ms.\n\n{header}" + "\n".join(rows) + "\n\n"
        "`redis` = Redis 8 vector sets (VSIM, Q8, projected to 128 dimensions, search EF 100) on "
        "the embedded server; `memory` = "
        "in-process usearch HNSW (i8, EF 200) synced from Redis. Lookups: "
        f"{len(PARAPHRASES)} misspelled paraphrases of stored questions (must be verified hits) "
        f"and {len(UNRELATED)} unrelated questions, {ROUNDS} rounds, after one warm round and "
        "once the fill's AOF rewrite has finished. "
        "Target: p50 ≤ 6 ms, p95 ≤ 12 ms at 100k."
    )


def main() -> None:
    """``python -m bench.cache [redis] [memory]`` (both by default)."""
    chosen = [b for b in sys.argv[1:] if b in ("redis", "memory")] or ["redis", "memory"]
    with (
        tempfile.TemporaryDirectory(prefix="colmeia-bench-cache-") as workdir,
        EmbeddedRedis(Path(workdir), load_falkordb=False) as server,
    ):
        body = asyncio.run(_run(server.url, chosen))  # type: ignore[arg-type]
    print(body)
    write_section("cache", body)


if __name__ == "__main__":
    main()
