"""The cache API a gateway hook calls: ``lookup`` before the provider, ``store`` after it.

    lookup(scope, prompt)
      1. exact tier: the normalised prompt's key in the scope          → hit (score 1.0)
      2. semantic tier: top-k ids from the scope's vector index
      3. the entries from the store of record (tenant and vector space checked), exact
         cosine ≥ min_similarity
      4. the verifier, best candidate first                            → hit (score = cosine)

Redis unreachable: both calls log one clear warning line (at most every few seconds) and return
as if the cache were empty, so requests are still served; the count is in `bypassed`.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from redis.exceptions import RedisError

from colmeia.cache.index import VectorIndex
from colmeia.cache.scope import CacheScope
from colmeia.cache.store import CacheStore, Entry, LookupRecord, new_entry_id
from colmeia.cache.tokens import analyse
from colmeia.cache.verifier import Verifier
from colmeia.embeddings.minilm import MiniLMEmbedder
from colmeia.embeddings.weights import Array

logger = logging.getLogger(__name__)

_BYPASS_LOG_INTERVAL_S = 5.0
RECORD_DELAY_S = 0.05


@dataclass(frozen=True, slots=True)
class CacheConfig:
    capacity_per_tenant: int = 10_000
    top_k: int = 5
    min_similarity: float = 0.25
    """Candidates below this cosine are not even verified (the verifier is the real gate)."""


@dataclass(frozen=True, slots=True)
class CacheHit:
    entry_id: str
    tier: str
    """``exact`` or ``semantic``."""
    score: float
    response: dict[str, object]
    # object: the JSON the caller stored (an OpenAI-style choice).
    usage: dict[str, int]
    cached_prompt: str

    def header(self) -> str:
        """The ``x-colmeia-cache`` response header value: ``hit; tier=…; score=…``."""
        return f"hit; tier={self.tier}; score={self.score:.3f}"


MISS_HEADER = "miss"


_MEMO_ONLY = threading.local()
"""Set while a verification runs on the event loop: a word not memoised yet raises
`WordNotMemoised` instead of blocking the loop on an embedding."""


class WordNotMemoised(Exception):
    """The inline verification needs a word embedding: verify again in a worker thread."""


class WordVectors:
    """Single-word embeddings for the verifier, memoised (a pure function of the word).

    Verifications run on the event loop while every word is memoised and in worker threads
    otherwise, so the memo is guarded by a lock."""

    def __init__(self, embedder: MiniLMEmbedder, size: int = 20_000) -> None:
        self._embedder = embedder
        self._size = size
        self._memo: OrderedDict[str, Array] = OrderedDict()
        self._lock = threading.Lock()

    def vector(self, word: str) -> Array:
        with self._lock:
            found = self._memo.get(word)
            if found is not None:
                self._memo.move_to_end(word)
                return found
        if getattr(_MEMO_ONLY, "active", False):
            raise WordNotMemoised(word)
        found = self._embedder.embed_one(word)
        with self._lock:
            self._memo[word] = found
            if len(self._memo) > self._size:
                self._memo.popitem(last=False)
        return found

    def similarity(self, a: str, b: str) -> float:
        return float(self.vector(a) @ self.vector(b))


def build_verifier(embedder: MiniLMEmbedder) -> Verifier:
    """The default verifier: word similarity from the same MiniLM, its vocabulary as lexicon."""
    words = WordVectors(embedder)
    return Verifier(words.similarity, embedder.known_words(), threshold=0.5)


@dataclass
class SemanticCache:
    records: CacheStore
    index: VectorIndex
    embedder: MiniLMEmbedder
    verifier: Verifier
    config: CacheConfig = field(default_factory=CacheConfig)
    bypassed: int = 0
    _last_bypass_log: float | None = None
    """None until the first bypass is logged (the monotonic clock starts at boot)."""
    _unrecorded: dict[str, LookupRecord] = field(default_factory=dict)
    """Lookup statistics per tenant, waiting for the recorder's next write."""
    _recorder: asyncio.Task[None] | None = None

    async def lookup(self, scope: CacheScope, prompt: str) -> CacheHit | None:
        """The cached answer for ``prompt`` in ``scope``, or None (miss or Redis down)."""
        try:
            hit, rejected = await self._lookup(scope, prompt)
        except RedisError as error:
            self._bypass("lookup", error)
            return None
        counters = {"lookups": 1, "misses" if hit is None else f"hits_{hit.tier}": 1}
        if rejected:
            counters["verifier_rejections"] = 1
        if hit is not None:
            counters.update(_savings(hit.usage))
        self._record(scope.tenant, hit.entry_id if hit else None, counters)
        return hit

    def _record(self, tenant: str, hit_id: str | None, counters: dict[str, int]) -> None:
        """Count the lookup (and a hit's use, for eviction order) after answering, in batches:
        the caller does not wait a round trip for its statistics, and one write every
        `RECORD_DELAY_S` carries every lookup since the last (a write per lookup slowed the
        next lookup by ~0.6 ms at 100k entries). `settle` waits for the writes."""
        record = self._unrecorded.setdefault(tenant, LookupRecord())
        record.counters.update(counters)
        if hit_id is not None:
            record.used[hit_id] = time.time() * 1000
        if self._recorder is None or self._recorder.done():
            self._recorder = asyncio.create_task(self._write_records(), name="cache-stats")

    async def _write_records(self) -> None:
        # Loops until nothing is left, so a lookup recorded during a write is never stranded.
        while self._unrecorded:
            await asyncio.sleep(RECORD_DELAY_S)
            await self._write_unrecorded()

    async def _write_unrecorded(self) -> None:
        batch, self._unrecorded = self._unrecorded, {}
        if not batch:
            return
        try:
            await self.records.record_lookups(batch)
        except RedisError as error:
            self._bypass("lookup", error)

    async def settle(self) -> None:
        """Wait for the lookup statistics still being written (shutdown, and readers that must
        see every lookup counted)."""
        while self._recorder is not None and not self._recorder.done():
            await self._recorder

    async def store(
        self,
        scope: CacheScope,
        prompt: str,
        response: Mapping[str, object],
        *,
        ttl_s: float,
        tags: Sequence[str] = (),
        usage: Mapping[str, int] | None = None,
    ) -> str | None:
        """Store ``response`` for ``prompt``; returns the entry id (None when Redis is down)."""
        vector = await asyncio.to_thread(self.embedder.embed_one, prompt)
        now = time.time()
        entry = Entry(
            id=new_entry_id(),
            tenant=scope.tenant,
            scope=scope.key,
            prompt=prompt,
            response=dict(response),
            tags=tuple(tags),
            created_at=now,
            expires_at=now + ttl_s,
            vector=vector,
            usage=dict(usage or {}),
            space=self.embedder.space,
        )
        try:
            # This replica's hits count as uses before the store picks what to evict.
            await self._write_unrecorded()
            evicted = await self.records.put(scope, entry, prompt, self.config.capacity_per_tenant)
            await self.index.add(scope.key, entry.id, vector)
            await self._unindex(evicted)
        except RedisError as error:
            self._bypass("store", error)
            return None
        return entry.id

    async def invalidate(self, entries: Sequence[Entry]) -> None:
        """Take deleted entries out of the vector index too."""
        await self._unindex(entries)

    async def _unindex(self, entries: Sequence[Entry]) -> None:
        by_scope: dict[str, list[str]] = {}
        for entry in entries:
            by_scope.setdefault(entry.scope, []).append(entry.id)
        for scope_key, ids in by_scope.items():
            await self.index.remove(scope_key, ids)

    async def _lookup(self, scope: CacheScope, prompt: str) -> tuple[CacheHit | None, bool]:
        """The hit, and whether the verifier turned candidates down."""
        exact_id = await self.records.exact_id(scope.key, prompt)
        if exact_id is not None:
            (entry,) = await self.records.get_many([exact_id])
            if entry is not None and _belongs(entry, scope):
                return _hit(entry, "exact", 1.0), False
        vector = await asyncio.to_thread(self.embedder.embed_one, prompt)
        ids = await self.index.search(scope.key, vector, self.config.top_k)
        entries = await self.records.get_many(ids)
        gone = [i for i, e in zip(ids, entries, strict=True) if e is None]
        if gone:
            await self.records.forget_ids(scope.key, gone)
            await self.index.remove(scope.key, gone)
        live = [e for e in entries if e is not None]
        if not live:
            return None, False
        # Verifying takes ~0.3 ms once the words' vectors are memoised, less than a hop to a
        # thread; a word to embed (~2 ms) sends the whole, pure, verification to one instead.
        _MEMO_ONLY.active = True
        try:
            return self._verified(scope, prompt, vector, live)
        except WordNotMemoised:
            pass
        finally:
            _MEMO_ONLY.active = False
        return await asyncio.to_thread(self._verified, scope, prompt, vector, live)

    def _verified(
        self, scope: CacheScope, prompt: str, vector: Array, entries: list[Entry]
    ) -> tuple[CacheHit | None, bool]:
        scored = [
            (float(np.dot(vector, e.vector)), e)
            for e in entries
            if e.vector is not None and e.space == self.embedder.space and _belongs(e, scope)
        ]
        scored = [(s, e) for s, e in scored if s >= self.config.min_similarity]
        if not scored:
            return None, False
        query = _analysed(prompt)
        for score, entry in sorted(scored, key=lambda se: -se[0]):
            verdict = self.verifier.verify(_analysed(entry.prompt), query, score)
            if verdict.accepted:
                return _hit(entry, "semantic", score), False
        return None, True

    def _bypass(self, operation: str, error: RedisError) -> None:
        self.bypassed += 1
        now = time.monotonic()
        last = self._last_bypass_log
        if last is None or now - last >= _BYPASS_LOG_INTERVAL_S:
            self._last_bypass_log = now
            logger.warning(
                "semantic cache bypassed: Redis unreachable during %s (%s); "
                "serving without the cache",
                operation,
                error.__class__.__name__,
            )


_analysed = lru_cache(maxsize=4096)(analyse)
"""`analyse` is pure and its `Analysis` immutable: a stored prompt is analysed once, not once
per lookup it is a candidate of."""


def _savings(usage: Mapping[str, int]) -> dict[str, int]:
    """What a hit saved, as stats counters (tokens and cost of the original answer)."""
    names = {
        "prompt_tokens": "saved_prompt_tokens",
        "completion_tokens": "saved_completion_tokens",
        "cost_nusd": "saved_cost_nusd",
    }
    return {target: int(usage[source]) for source, target in names.items() if usage.get(source)}


def _belongs(entry: Entry, scope: CacheScope) -> bool:
    """The entry's own tenant and scope match the caller's (checked on every read)."""
    return entry.tenant == scope.tenant and entry.scope == scope.key


def _hit(entry: Entry, tier: str, score: float) -> CacheHit:
    return CacheHit(entry.id, tier, score, entry.response, entry.usage, entry.prompt)
