"""Semantic candidates in one scope: Redis vector sets, or an in-process index synced from Redis.

Both partition by key — one vector set (or one in-process index) per scope — because a filter
over a shared index is slower (VSIM FILTER 24 ms vs 2.6 ms at 100k, DESIGN §4) and one bug away
from a cross-tenant hit.

- `VectorSetIndex`: Redis 8 ``VADD``/``VSIM`` (the embedded server has them), Q8, EF 200.
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
at 100k entries (DESIGN §4)."""
_STREAM_LENGTH = 100_000
_FOLLOW_BLOCK_MS = 100
_LOAD_BATCH = 1000
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
        await self._redis.execute_command(  # type: ignore[no-untyped-call]
            "VADD", self._key(scope), "FP32", blob, entry_id, "Q8", "EF", EF
        )

    async def remove(self, scope: str, entry_ids: list[str]) -> None:
        async with self._redis.pipeline(transaction=False) as pipe:
            for entry_id in entry_ids:
                pipe.execute_command("VREM", self._key(scope), entry_id)
            await pipe.execute()

    async def search(self, scope: str, vector: Array, k: int) -> list[str]:
        blob = vector.astype(np.float32).tobytes()
        found = await self._redis.execute_command(  # type: ignore[no-untyped-call]
            "VSIM", self._key(scope), "FP32", blob, "COUNT", k, "EF", EF
        )
        return [item.decode() if isinstance(item, bytes) else str(item) for item in found or []]

    async def drop_scope(self, scope: str) -> None:
        await done(self._redis.delete(self._key(scope)))

    async def close(self) -> None:
        return None


class InProcessIndex:
    """usearch HNSW per scope, loaded lazily from Redis and followed through a change stream."""

    def __init__(self, store: CacheStore, dimensions: int) -> None:
        self._store = store
        self._dimensions = dimensions
        self._stream = f"{store.prefix}:changes"
        self._indexes: dict[str, Index] = {}
        self._loading: dict[str, asyncio.Lock] = {}
        self._last_id = "$"
        self._follower: asyncio.Task[None] | None = None
        self._stopping = False

    async def start(self) -> None:
        """Follow every replica's changes from now on (older ones are in the store of record)."""
        latest = await self._store.redis.xrevrange(self._stream, count=1)
        self._last_id = latest[0][0].decode() if latest else "0-0"
        self._follower = asyncio.create_task(self._follow(), name="cache-index-follower")

    async def close(self) -> None:
        """Stop following; bounded, since a cancelled blocking read may not return at once."""
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
        await self._publish({"op": "add", "scope": scope, "id": entry_id, "vector": blob})
        self._apply_add(scope, entry_id, blob)

    async def remove(self, scope: str, entry_ids: list[str]) -> None:
        await self._publish({"op": "del", "scope": scope, "id": ",".join(entry_ids)})
        self._apply_remove(scope, entry_ids)

    async def drop_scope(self, scope: str) -> None:
        await self._publish({"op": "drop", "scope": scope, "id": ""})
        self._indexes.pop(scope, None)

    async def search(self, scope: str, vector: Array, k: int) -> list[str]:
        index = await self._loaded(scope)
        if len(index) == 0:
            return []
        matches = index.search(vector.astype(np.float32), min(k, len(index)))
        return [str(int(key)) for key in matches.keys]

    async def _loaded(self, scope: str) -> Index:
        """The scope's index, loaded from the store of record on first use."""
        if scope in self._indexes:
            return self._indexes[scope]
        lock = self._loading.setdefault(scope, asyncio.Lock())
        async with lock:
            if scope not in self._indexes:
                index = self._new_index()
                self._indexes[scope] = index  # changes arriving while loading apply to it
                await self._load(scope, index)
        return self._indexes[scope]

    async def _load(self, scope: str, index: Index) -> None:
        ids = await self._store.scope_ids(scope)
        for start in range(0, len(ids), _LOAD_BATCH):
            batch = ids[start : start + _LOAD_BATCH]
            blobs = await self._store.vectors(batch)
            fresh = [
                (int(i), b) for i, b in zip(batch, blobs, strict=True) if b and int(i) not in index
            ]
            if fresh:
                keys = np.array([k for k, _ in fresh], dtype=np.uint64)
                index.add(keys, np.stack([np.frombuffer(b, dtype=np.float32) for _, b in fresh]))

    def _apply_add(self, scope: str, entry_id: str, blob: bytes) -> None:
        index = self._indexes.get(scope)
        if index is None or int(entry_id) in index:
            return  # not loaded in this replica: its first search reads the store of record
        index.add(int(entry_id), np.frombuffer(blob, dtype=np.float32))

    def _apply_remove(self, scope: str, entry_ids: list[str]) -> None:
        index = self._indexes.get(scope)
        if index is not None:
            for entry_id in entry_ids:
                if entry_id and int(entry_id) in index:
                    index.remove(int(entry_id))

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

    def _apply(self, fields: dict[bytes, bytes]) -> None:
        scope = fields[b"scope"].decode()
        op = fields[b"op"]
        if op == b"add":
            self._apply_add(scope, fields[b"id"].decode(), fields[b"vector"])
        elif op == b"del":
            self._apply_remove(scope, fields[b"id"].decode().split(","))
        else:
            self._indexes.pop(scope, None)
