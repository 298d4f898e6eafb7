"""The semantic cache of one process, opened in the background so start-up does not wait.

Loading MiniLM and the verifier's lexicon takes a few seconds (~4 s measured here), longer than
the API's whole start-up budget, and Redis may be unreachable when the process starts. So the
composition root (the API's lifespan, the worker's runtime) starts a `CacheRuntime`, which opens
the cache in a task and retries while Redis is down; until it is ready, calls bypass the cache
(``bypass; reason=starting``) and are served as usual.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from functools import cache
from typing import TYPE_CHECKING

from redis.asyncio import Redis
from redis.exceptions import RedisError

from colmeia.cache.policy import CachePolicy
from colmeia.config import CacheSettings

if TYPE_CHECKING:  # ONNX Runtime and usearch load in the background, not at import (~1 s)
    from colmeia.cache.semantic import SemanticCache
    from colmeia.cache.verifier import Verifier
    from colmeia.embeddings.minilm import MiniLMEmbedder
    from colmeia.embeddings.spaces import Precision

logger = logging.getLogger(__name__)

_RETRY_S = 2.0


@cache
def _load_models(precision: Precision) -> tuple[MiniLMEmbedder, Verifier]:
    """MiniLM and the verifier, once per process: read-only weights (the verifier's word memo
    is a pure function's), so every cache runtime in the process can share them."""
    from colmeia.cache.semantic import build_verifier
    from colmeia.embeddings.minilm import MiniLMEmbedder

    embedder = MiniLMEmbedder(precision=precision)
    return embedder, build_verifier(embedder)


class CacheRuntime:
    """Owns the process's `SemanticCache`: opens it in the background, closes it at shutdown."""

    def __init__(self, redis: Redis, options: CacheSettings) -> None:
        self.redis = redis
        self.options = options
        self.policy = CachePolicy(default_ttl_s=options.default_ttl_s, max_ttl_s=options.max_ttl_s)
        self.cache: SemanticCache | None = None
        self._opening: asyncio.Task[None] | None = None

    @property
    def status(self) -> str:
        """``disabled``, ``starting`` (model loading or Redis unreachable) or ``ready``."""
        if not self.options.enabled:
            return "disabled"
        return "ready" if self.cache is not None else "starting"

    def start(self) -> None:
        """Begin opening the cache on the running loop; returns at once."""
        if self.options.enabled and self._opening is None:
            self._opening = asyncio.create_task(self._open(), name="semantic-cache-open")

    async def ready(self, timeout_s: float | None = None) -> bool:
        """Wait until the cache is open (for callers that would rather wait than bypass)."""
        if self._opening is None:
            return self.cache is not None
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(self._opening), timeout_s)
        return self.cache is not None

    async def _open(self) -> None:
        embedder, verifier = await asyncio.to_thread(_load_models, self.options.embedding_precision)
        from colmeia.cache.factory import create_cache  # imported by _load_models' thread
        from colmeia.cache.semantic import CacheConfig

        warned = False
        while self.cache is None:
            try:
                self.cache = await create_cache(
                    self.redis,
                    embedder,
                    prefix=self.options.prefix,
                    backend=self.options.vector_backend,
                    config=CacheConfig(
                        capacity_per_tenant=self.options.capacity_per_tenant,
                        top_k=self.options.top_k,
                        min_similarity=self.options.min_similarity,
                    ),
                    verifier=verifier,
                )
            except RedisError as error:
                if not warned:
                    logger.warning(
                        "semantic cache bypassed: Redis unreachable while opening it (%s); "
                        "retrying every %s s",
                        error.__class__.__name__,
                        _RETRY_S,
                    )
                    warned = True
                await asyncio.sleep(_RETRY_S)

    async def aclose(self) -> None:
        if self._opening is not None and not self._opening.done():
            self._opening.cancel()
            await asyncio.gather(self._opening, return_exceptions=True)
        if self.cache is not None:
            from colmeia.cache.factory import close_cache

            await close_cache(self.cache)
            self.cache = None
