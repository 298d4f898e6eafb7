"""Semantic candidates in one scope: Redis vector sets, or an in-process index synced from Redis.

Both partition by key — one vector set (or one in-process index) per scope — because a filter
over a shared index is slower (VSIM FILTER 24 ms vs 2.6 ms at 100k, DESIGN §4) and one bug away
from a cross-tenant hit.

- `VectorSetIndex`: Redis 8 ``VADD``/``VSIM`` (the embedded server has them), Q8, vectors
  projected to `PROJECTED_DIMENSIONS` by Redis (``REDUCE``), built at EF 200, searched at
  `VSIM_EF`.
- `InProcessIndex`: a usearch HNSW index per scope, loaded from the store of record on first use
  and kept in sync through a Redis stream of changes that every replica follows, so a replica
  sees another's entries within the stream's read latency (milliseconds; the contract is 1 s).

Ids returned are candidates only: the caller reads the entries from the store of record and
recomputes the exact cosine from the stored vector.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Protocol

import numpy as np
import onnxruntime  # type: ignore[import-untyped]  # noqa: F401  # before usearch, or it segfaults
from redis.asyncio import Redis
from redis.exceptions import RedisError, ResponseError
from usearch.index import Index

from colmeia.cache.store import CacheStore, done
from colmeia.embeddings.weights import Array

logger = logging.getLogger(__name__)

EF = 200
"""Exploration factor for build and search: the default missed 11% of planted near-duplicates
at 100k entries (DESIGN §4). `VectorSetIndex` searches its projected sets at `VSIM_EF`."""
PROJECTED_DIMENSIONS = 128
"""Redis projects a new vector set's vectors to 128 dimensions (``VADD … REDUCE``). Measured
here at 100k random unit vectors, top-5 recall of queries at cosine 0.94 / 0.86 / 0.74 from a
stored vector: 384 dims at EF 200 found 200 / 199 / 187 of 200 in 3.7 ms; 128 dims at EF 100,
199 / 200 / 185 in 1.6 ms. On the labelled pairs' real MiniLM vectors, the candidates re-scored
with the stored full vector picked the same best entry in 399 of 400 queries (the verifier, not
the projection, decides a hit)."""
VSIM_EF = 100
_UNPROJECTED = "without projection"
"""In Redis's answer to a ``REDUCE`` on a set created before projection. Such a set keeps
taking full vectors; searched at `VSIM_EF` it misses a few more near-duplicates (semantic
misses, never wrong hits) until a purge of its tenant's cache lets it be made again."""
_STREAM_LENGTH = 100_000
_FOLLOW_BLOCK_MS = 100
_LOAD_BATCH = 1000
LOAD_WAIT_S = 0.05
"""How long a search waits for its scope to load before answering with no candidates."""
_CLOSE_TIMEOUT_S = 2.0


class VectorIndex(Protocol):
    """Where semantic candidates come from; the store of record stays authoritative."""

    async def add(self, scope: str, entry_id: str, vector: Array) -> None: ...

    async def remove(self, scope: str, entry_ids: list[str]) -> None: ...

    async def search(self, scope: str, vector: Array, k: int) -> list[str]: ...

    async def drop_scope(self, scope: str) -> None: ...

    async def close(self) -> None: ...


async def supports_vector_sets(redis: Redis) -> bool:
    """True when the server has native vector sets (Redis ≥ 8)."""
    try:
        await redis.execute_command("VCARD", "colmeia:cache:probe")  # type: ignore[no-untyped-call]
    except ResponseError:
        return False
    return True


class VectorSetIndex:
    """One Redis vector set per scope (``P:v:{scope}``)."""

    def __init__(self, redis: Redis, prefix: str) -> None:
        self._redis = redis
        self._prefix = prefix

    def _key(self, scope: str) -> str:
        return f"{self._prefix}:v:{scope}"

    async def add(self, scope: str, entry_id: str, vector: Array) -> None:
        blob = vector.astype(np.float32).tobytes()
        try:
            await self._vadd(scope, "REDUCE", PROJECTED_DIMENSIONS, "FP32", blob, entry_id)
        except ResponseError as error:
            # A set made before projection: one refused try per add, only on such sets
            # (adds follow a provider call, so a round trip is noise there).
            if _UNPROJECTED not in str(error):
                raise
            await self._vadd(scope, "FP32", blob, entry_id)

    async def _vadd(self, scope: str, *arguments: object) -> None:
        await self._redis.execute_command(  # type: ignore[no-untyped-call]
            "VADD", self._key(scope), *arguments, "Q8", "EF", EF
        )

    async def remove(self, scope: str, entry_ids: list[str]) -> None:
        async with self._redis.pipeline(transaction=False) as pipe:
            for entry_id in entry_ids:
                pipe.execute_command("VREM", self._key(scope), entry_id)
            await pipe.execute()

    async def search(self, scope: str, vector: Array, k: int) -> list[str]:
        blob = vector.astype(np.float32).tobytes()
        found = await self._redis.execute_command(  # type: ignore[no-untyped-call]
            "VSIM", self._key(scope), "FP32", blob, "COUNT", k, "EF", VSIM_EF
        )
        return [item.decode() if isinstance(item, bytes) else str(item) for item in found or []]

    async def drop_scope(self, scope: str) -> None:
        await done(self._redis.delete(self._key(scope)))

    async def close(self) -> None:
        return None


class InProcessIndex:
    """usearch HNSW per scope, loaded lazily from Redis and followed through a change stream.

    A scope's index is loaded in the background on its first search, its inserts in a worker
    thread (an HNSW insert of 1,000 vectors takes a few hundred ms: on the event loop, a 100k
    scope stalled every request for seconds). A search waits `LOAD_WAIT_S` for the load (a small
    scope is ready by then), then answers with no candidates until it is: a semantic miss, never
    a stalled request. Changes that arrive while a scope loads are applied once it has.
    """

    def __init__(
        self, store: CacheStore, dimensions: int, load_wait_s: float = LOAD_WAIT_S
    ) -> None:
        self._store = store
        self._dimensions = dimensions
        self._load_wait_s = load_wait_s
        self._stream = f"{store.prefix}:changes"
        self._indexes: dict[str, Index] = {}
        self._loading: dict[str, asyncio.Task[None]] = {}
        self._pending: dict[str, list[dict[bytes, bytes]]] = {}
        """Changes to a loading scope, applied in order when it is loaded."""
        self._last_id = "$"
        self._follower: asyncio.Task[None] | None = None
        self._stopping = False

    async def start(self) -> None:
        """Follow every replica's changes from now on (older ones are in the store of record)."""
        latest = await self._store.redis.xrevrange(self._stream, count=1)
        self._last_id = latest[0][0].decode() if latest else "0-0"
        self._follower = asyncio.create_task(self._follow(), name="cache-index-follower")

    async def close(self) -> None:
        """Stop following and loading; bounded, since a cancelled blocking read may not return
        at once."""
        loading = list(self._loading.values())
        for task in loading:
            task.cancel()
        await asyncio.gather(*loading, return_exceptions=True)
        if self._follower is None:
            return
        self._stopping = True
        self._follower.cancel()
        done, _ = await asyncio.wait({self._follower}, timeout=_CLOSE_TIMEOUT_S)
        if not done:
            logger.warning(
                "cache index: change follower still stopping after %s s", _CLOSE_TIMEOUT_S
            )
        for task in done:
            with contextlib.suppress(asyncio.CancelledError, RedisError):
                task.result()

    def _new_index(self) -> Index:
        return Index(
            ndim=self._dimensions,
            metric="cos",
            dtype="i8",
            expansion_add=EF,
            expansion_search=EF,
        )

    async def _publish(self, fields: dict[str, str | bytes]) -> None:
        await self._store.redis.xadd(
            self._stream,
            fields,  # type: ignore[arg-type]
            maxlen=_STREAM_LENGTH,
            approximate=True,
        )

    async def add(self, scope: str, entry_id: str, vector: Array) -> None:
        blob = vector.astype(np.float32).tobytes()
        fields: dict[str, str | bytes] = {
            "op": "add",
            "scope": scope,
            "id": entry_id,
            "vector": blob,
        }
        await self._publish(fields)
        self._apply(_encoded(fields))

    async def remove(self, scope: str, entry_ids: list[str]) -> None:
        fields: dict[str, str | bytes] = {"op": "del", "scope": scope, "id": ",".join(entry_ids)}
        await self._publish(fields)
        self._apply(_encoded(fields))

    async def drop_scope(self, scope: str) -> None:
        fields: dict[str, str | bytes] = {"op": "drop", "scope": scope, "id": ""}
        await self._publish(fields)
        self._apply(_encoded(fields))

    async def search(self, scope: str, vector: Array, k: int) -> list[str]:
        index = await self._ready(scope)
        if index is None or len(index) == 0:
            return []
        matches = index.search(vector.astype(np.float32), min(k, len(index)))
        return [str(int(key)) for key in matches.keys]

    async def _ready(self, scope: str) -> Index | None:
        """The scope's index; None while it is still loading past the load wait."""
        index = self._indexes.get(scope)
        if index is not None:
            return index
        loading = self._loading.get(scope)
        if loading is None:
            self._pending[scope] = []
            loading = asyncio.create_task(self._load(scope), name=f"cache-index-load:{scope}")
            self._loading[scope] = loading
            loading.add_done_callback(lambda task: self._loaded(scope, task))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(loading), self._load_wait_s)
        return self._indexes.get(scope)

    async def _load(self, scope: str) -> None:
        index = self._new_index()
        ids = await self._store.scope_ids(scope)
        for start in range(0, len(ids), _LOAD_BATCH):
            batch = ids[start : start + _LOAD_BATCH]
            blobs = await self._store.vectors(batch)
            fresh = [(int(i), b) for i, b in zip(batch, blobs, strict=True) if b]
            if fresh:
                keys = np.array([k for k, _ in fresh], dtype=np.uint64)
                vectors = np.stack([np.frombuffer(b, dtype=np.float32) for _, b in fresh])
                await asyncio.to_thread(index.add, keys, vectors)
        # Same loop turn as the caller's check of `_indexes`: no change slips in between.
        self._indexes[scope] = index
        for fields in self._pending.pop(scope, []):
            self._apply(fields)

    def _loaded(self, scope: str, task: asyncio.Task[None]) -> None:
        if self._loading.get(scope) is task:
            del self._loading[scope]
        if task.cancelled():
            self._pending.pop(scope, None)
            return
        error = task.exception()
        if error is not None:  # Redis went away mid-load: the next search starts again
            self._pending.pop(scope, None)
            logger.warning("cache index: loading a scope failed (%s); retried on next use", error)

    def _apply(self, fields: dict[bytes, bytes]) -> None:
        scope = fields[b"scope"].decode()
        pending = self._pending.get(scope)
        if pending is not None and scope not in self._indexes:
            pending.append(fields)  # loading: applied in order once loaded
            return
        op = fields[b"op"]
        if op == b"drop":
            self._indexes.pop(scope, None)
            return
        index = self._indexes.get(scope)
        if index is None:
            return  # not loaded in this replica: its first search reads the store of record
        if op == b"add":
            entry_id = int(fields[b"id"].decode())
            if entry_id not in index:
                index.add(entry_id, np.frombuffer(fields[b"vector"], dtype=np.float32))
        else:
            for raw in fields[b"id"].decode().split(","):
                if raw and int(raw) in index:
                    index.remove(int(raw))

    async def _follow(self) -> None:
        """Apply every replica's changes; a Redis outage pauses following, never ends it."""
        while not self._stopping:
            try:
                batches = await self._store.redis.xread(
                    {self._stream: self._last_id}, count=500, block=_FOLLOW_BLOCK_MS
                )
            except RedisError as error:
                logger.warning("cache index: change stream unreadable (%s); retrying in 1 s", error)
                await asyncio.sleep(1.0)
                continue
            for _, messages in batches:
                for message_id, fields in messages:
                    self._last_id = message_id.decode()
                    self._apply(fields)


def _encoded(fields: dict[str, str | bytes]) -> dict[bytes, bytes]:
    """A change as the stream hands it back (bytes keys and values)."""
    return {k.encode(): v if isinstance(v, bytes) else v.encode() for k, v in fields.items()}
