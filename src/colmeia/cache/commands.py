"""The ``colmeia cache …`` commands' bodies (the CLI only parses arguments)."""

from __future__ import annotations

import asyncio
import json
import tempfile
from pathlib import Path

from colmeia.cache import eval as cache_eval
from colmeia.cache.factory import VectorBackend
from colmeia.config import Settings
from colmeia.embedded.redis_server import EmbeddedRedis
from colmeia.embeddings.spaces import Precision
from colmeia.redis import create_redis


async def _evaluate(
    url: str, pairs: Path, backend: VectorBackend, precision: Precision
) -> dict[str, object]:
    redis = create_redis(url)
    try:
        return await cache_eval.run(redis, pairs, backend, precision)
    finally:
        await redis.aclose()


def evaluate(settings: Settings, pairs: Path, *, as_json: bool, backend: VectorBackend) -> str:
    """Run the evaluation on the configured Redis, or on a throwaway embedded one (Redis 8)."""
    precision = settings.cache.embedding_precision
    if settings.redis.url:
        summary = asyncio.run(_evaluate(settings.redis.url, pairs, backend, precision))
    else:
        with (
            tempfile.TemporaryDirectory(prefix="colmeia-eval-") as workdir,
            EmbeddedRedis(Path(workdir), load_falkordb=False) as server,
        ):
            summary = asyncio.run(_evaluate(server.url, pairs, backend, precision))
    if as_json:
        return json.dumps(summary, indent=2)
    return cache_eval.render(summary) + f"\nvector index: {summary['vector_index']}"
