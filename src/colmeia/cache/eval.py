"""``colmeia cache eval``: hit and false-hit rates on labelled pairs, through the real cache path.

For each pair ``{"id", "a", "b", "label", "kind", "lang"}`` (JSONL): a fresh scope, ``a`` stored
with a dummy answer by `SemanticCache.store`, then ``b`` looked up by `SemanticCache.lookup` —
the same code a gateway hook runs (embedding, vector index, store of record, verifier). A hit on
``label == 1`` counts toward the hit rate, a hit on ``label == 0`` toward the false-hit rate.
Keys live under a prefix of their own, deleted afterwards.
"""

from __future__ import annotations

import json
import statistics
import time
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

from redis.asyncio import Redis

from colmeia.cache.factory import VectorBackend, close_cache, create_cache
from colmeia.cache.scope import scope_request
from colmeia.cache.semantic import SemanticCache
from colmeia.config import CacheSettings
from colmeia.embeddings.minilm import MiniLMEmbedder
from colmeia.embeddings.spaces import Precision
from colmeia.errors import BadRequest

_ANSWER = {"message": {"role": "assistant", "content": "(eval)"}, "finish_reason": "stop"}
_FIELDS = ("id", "a", "b", "label")
_DEFAULT_PRECISION: Precision = CacheSettings().embedding_precision


class InvalidPairsFile(BadRequest):
    code = "invalid_pairs_file"


@dataclass(frozen=True, slots=True)
class Pair:
    id: str
    a: str
    b: str
    label: int
    kind: str
    lang: str


@dataclass(frozen=True, slots=True)
class PairResult:
    id: str
    label: int
    kind: str
    lang: str
    hit: bool
    tier: str | None
    score: float | None
    lookup_ms: float


def load_pairs(path: Path) -> list[Pair]:
    """Every pair in a JSONL file; a bad line is reported with its number."""
    pairs: list[Pair] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            missing = [f for f in _FIELDS if f not in row]
            if missing:
                raise InvalidPairsFile(f"{path}:{number}: missing {', '.join(missing)}")
            pairs.append(
                Pair(
                    str(row["id"]),
                    str(row["a"]),
                    str(row["b"]),
                    int(row["label"]),
                    str(row.get("kind", "-")),
                    str(row.get("lang", "-")),
                )
            )
        except (json.JSONDecodeError, TypeError, ValueError) as error:
            raise InvalidPairsFile(f"{path}:{number}: {error}") from None
    return pairs


async def evaluate(cache: SemanticCache, pairs: Iterable[Pair], run: str) -> list[PairResult]:
    """Store ``a`` and look up ``b`` for each pair, each in a scope of its own."""
    results: list[PairResult] = []
    for pair in pairs:
        scoped = scope_request(
            tenant=f"eval-{run}",
            model="eval",
            messages=[{"role": "user", "content": pair.a}],
            params={"temperature": 0, "eval_pair": pair.id},
        )
        assert scoped is not None  # one user message, always
        await cache.store(scoped.scope, pair.a, _ANSWER, ttl_s=3600)
        started = time.perf_counter()
        hit = await cache.lookup(scoped.scope, pair.b)
        elapsed = (time.perf_counter() - started) * 1000
        results.append(
            PairResult(
                pair.id,
                pair.label,
                pair.kind,
                pair.lang,
                hit is not None,
                hit.tier if hit else None,
                round(hit.score, 4) if hit else None,
                round(elapsed, 3),
            )
        )
    return results


def _rates(results: list[PairResult]) -> dict[str, float | int | None]:
    positives = [r for r in results if r.label == 1]
    negatives = [r for r in results if r.label == 0]
    return {
        "pairs": len(results),
        "positives": len(positives),
        "negatives": len(negatives),
        "hit_rate": sum(r.hit for r in positives) / len(positives) if positives else None,
        "false_hit_rate": sum(r.hit for r in negatives) / len(negatives) if negatives else None,
    }


def summarise(results: list[PairResult]) -> dict[str, object]:
    """Overall, by language and by kind, plus lookup latency percentiles."""
    groups: dict[str, dict[str, list[PairResult]]] = {"lang": defaultdict(list), "kind": {}}
    groups["kind"] = defaultdict(list)
    for result in results:
        groups["lang"][result.lang].append(result)
        groups["kind"][result.kind].append(result)
    latencies = sorted(r.lookup_ms for r in results)
    p95 = latencies[min(len(latencies) - 1, int(0.95 * len(latencies)))] if latencies else 0.0
    return {
        "overall": _rates(results),
        "by_lang": {k: _rates(v) for k, v in sorted(groups["lang"].items())},
        "by_kind": {k: _rates(v) for k, v in sorted(groups["kind"].items())},
        "lookup_ms": {"p50": statistics.median(latencies) if latencies else 0.0, "p95": p95},
        "pairs": [asdict(r) for r in results],
    }


def _percent(value: object) -> str:
    return "-" if value is None else f"{100 * float(value):5.1f}%"  # type: ignore[arg-type]


def render(summary: dict[str, object]) -> str:
    """A plain-text table of the summary."""
    lines = [f"{'group':<28}{'pos':>5}{'hit rate':>10}{'neg':>6}{'false hits':>12}"]
    sections = [("overall", {"all": summary["overall"]}), ("lang", summary["by_lang"])]
    sections.append(("kind", summary["by_kind"]))
    for title, rows in sections:
        for name, rates in rows.items():  # type: ignore[attr-defined]
            lines.append(
                f"{title + ' ' + name:<28}{rates['positives']:>5}{_percent(rates['hit_rate']):>10}"
                f"{rates['negatives']:>6}{_percent(rates['false_hit_rate']):>12}"
            )
    latency = summary["lookup_ms"]
    lines.append(f"lookup p50 {latency['p50']:.2f} ms, p95 {latency['p95']:.2f} ms")  # type: ignore[index]
    return "\n".join(lines)


async def run(
    redis: Redis,
    path: Path,
    backend: VectorBackend = "auto",
    precision: Precision = _DEFAULT_PRECISION,
) -> dict[str, object]:
    """Evaluate the pairs in ``path`` on ``redis`` under a throwaway key prefix, with the
    cache's configuration (the default one unless told otherwise)."""
    pairs = load_pairs(path)
    run_id = uuid.uuid4().hex[:12]
    prefix = f"colmeia:cache-eval:{run_id}"
    embedder = MiniLMEmbedder(precision=precision)
    cache = await create_cache(redis, embedder, prefix=prefix, backend=backend)
    try:
        results = await evaluate(cache, pairs, run_id)
    finally:
        await close_cache(cache)
        await _delete_prefix(redis, prefix)
    summary = summarise(results)
    summary["vector_index"] = type(cache.index).__name__
    return summary


async def _delete_prefix(redis: Redis, prefix: str) -> None:
    batch: list[bytes] = []
    async for key in redis.scan_iter(match=f"{prefix}:*", count=1000):
        batch.append(key)
        if len(batch) >= 1000:
            await redis.unlink(*batch)
            batch.clear()
    if batch:
        await redis.unlink(*batch)
