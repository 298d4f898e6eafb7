"""Cache quality on the labelled pairs: Colmeia's cache vs GPTCache 0.1.44, in one run.

GPTCache is installed by this script in its own venv (``bench/.venvs/gptcache``, gitignored:
``uv venv`` + ``uv pip install gptcache==0.1.44 faiss-cpu numpy sqlalchemy``), so it never
touches the project's dependencies. It gets the same MiniLM vectors as Colmeia (computed
here, handed over in a file: its default embedding downloads a model at run time) and its documented
defaults: sqlite + faiss, `SearchDistanceEvaluation`, similarity threshold 0.8. For each pair, a
fresh cache stores ``a`` and looks up ``b``; Colmeia runs `colmeia cache eval`'s code path.

Target (issue 6): Colmeia false-hit rate ≤ 1% and hit rate ≥ 60% on the pairs file.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

from bench.report import write_section
from colmeia.cache import eval as cache_eval
from colmeia.config import CacheSettings
from colmeia.embedded.redis_server import EmbeddedRedis
from colmeia.embeddings.minilm import MiniLMEmbedder
from colmeia.redis import create_redis

ROOT = Path(__file__).resolve().parents[1]
VENV = ROOT / "bench" / ".venvs" / "gptcache"
PAIRS = ROOT.parent / "shared" / "data" / "paraphrase-pairs.jsonl"

RUNNER = r"""
import json, sys, tempfile, time
import numpy as np
from gptcache import Cache, Config
from gptcache.adapter.api import get, put
from gptcache.manager import CacheBase, VectorBase, get_data_manager
from gptcache.processor.pre import get_prompt
from gptcache.similarity_evaluation.distance import SearchDistanceEvaluation

pairs = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
vectors = np.load(sys.argv[2])
lookup = {text: vectors[i] for i, text in enumerate(json.load(open(sys.argv[3])))}
results = []
for pair in pairs:
    with tempfile.TemporaryDirectory() as workdir:
        cache = Cache()
        manager = get_data_manager(
            CacheBase("sqlite", sql_url=f"sqlite:///{workdir}/cache.db"),
            VectorBase("faiss", dimension=384, index_path=f"{workdir}/faiss.index"),
        )
        cache.init(
            pre_embedding_func=get_prompt,
            embedding_func=lambda text, **_: lookup[text],
            data_manager=manager,
            similarity_evaluation=SearchDistanceEvaluation(),
            config=Config(similarity_threshold=0.8),
        )
        put(pair["a"], "(eval)", cache_obj=cache)
        started = time.perf_counter()
        answer = get(pair["b"], cache_obj=cache)
        elapsed = (time.perf_counter() - started) * 1000
        cache.flush()
        cache.data_manager.close()
        results.append({"label": pair["label"], "lang": pair.get("lang", "-"),
                        "kind": pair.get("kind", "-"), "hit": answer is not None, "ms": elapsed})
print(json.dumps(results))
"""


def _ensure_venv() -> Path:
    python = VENV / "bin" / "python"
    if not python.exists():
        subprocess.run(["uv", "venv", "-q", "-p", "3.11", str(VENV)], check=True)
        subprocess.run(
            ["uv", "pip", "install", "-q", "--python", str(python),
             "gptcache==0.1.44", "faiss-cpu", "numpy", "sqlalchemy"],
            check=True,
        )  # fmt: skip
    return python


def _gptcache(pairs_path: Path, embedder: MiniLMEmbedder) -> list[dict[str, object]]:
    rows = [json.loads(line) for line in pairs_path.read_text().splitlines() if line.strip()]
    texts = sorted({r["a"] for r in rows} | {r["b"] for r in rows})
    with tempfile.TemporaryDirectory() as workdir:
        np.save(f"{workdir}/vectors.npy", embedder.embed(texts))
        Path(workdir, "texts.json").write_text(json.dumps(texts))
        Path(workdir, "runner.py").write_text(RUNNER)
        done = subprocess.run(
            [str(_ensure_venv()), f"{workdir}/runner.py", str(pairs_path),
             f"{workdir}/vectors.npy", f"{workdir}/texts.json"],
            capture_output=True, text=True, check=False, cwd=workdir,
        )  # fmt: skip
        if done.returncode != 0:
            raise RuntimeError(f"GPTCache runner failed:\n{done.stderr[-3000:]}")
    results: list[dict[str, object]] = json.loads(done.stdout.strip().splitlines()[-1])
    return results


def _rates(results: list[dict[str, object]]) -> tuple[float, float]:
    positives = [r for r in results if r["label"] == 1]
    negatives = [r for r in results if r["label"] == 0]
    return (
        sum(bool(r["hit"]) for r in positives) / len(positives),
        sum(bool(r["hit"]) for r in negatives) / len(negatives),
    )


async def _colmeia(url: str, pairs_path: Path) -> dict[str, object]:
    redis = create_redis(url)
    try:
        return await cache_eval.run(redis, pairs_path)
    finally:
        await redis.aclose()


def _table(colmeia: dict[str, object], peer: list[dict[str, object]]) -> str:
    lines = [
        "| group | pairs | Colmeia hit | Colmeia false hit | GPTCache hit | GPTCache false hit |",
        "|---|---|---|---|---|---|",
    ]
    groups: list[tuple[str, str, str]] = [("overall", "", "")]
    groups += [("lang", "lang", k) for k in colmeia["by_lang"]]  # type: ignore[attr-defined]
    groups += [("kind", "kind", k) for k in colmeia["by_kind"]]  # type: ignore[attr-defined]
    for title, field, key in groups:
        mine = colmeia["overall"] if not field else colmeia[f"by_{field}"][key]  # type: ignore[index]
        theirs = [r for r in peer if not field or r[field] == key]
        positives = [r for r in theirs if r["label"] == 1]
        negatives = [r for r in theirs if r["label"] == 0]
        peer_hit = sum(bool(r["hit"]) for r in positives) / len(positives) if positives else None
        peer_false = sum(bool(r["hit"]) for r in negatives) / len(negatives) if negatives else None
        cells = [mine["hit_rate"], mine["false_hit_rate"], peer_hit, peer_false]  # type: ignore[index]
        shown = ["-" if c is None else f"{100 * c:.1f}%" for c in cells]
        lines.append(f"| {title} {key} | {mine['pairs']} | " + " | ".join(shown) + " |")  # type: ignore[index]
    return "\n".join(lines)


def main() -> None:
    pairs_path = Path(sys.argv[1]) if len(sys.argv) > 1 else PAIRS
    embedder = MiniLMEmbedder(precision=CacheSettings().embedding_precision)
    peer = _gptcache(pairs_path, embedder)
    with (
        tempfile.TemporaryDirectory(prefix="colmeia-bench-quality-") as workdir,
        EmbeddedRedis(Path(workdir), load_falkordb=False) as server,
    ):
        colmeia = asyncio.run(_colmeia(server.url, pairs_path))
    peer_hit, peer_false = _rates(peer)
    ours = colmeia["overall"]
    latency = colmeia["lookup_ms"]
    body = (
        f"Pairs: `{pairs_path.name}` ({len(peer)}). Same MiniLM vectors for both "
        f"({embedder.precision}, the cache default).\n\n"
        f"- Colmeia (default config): hit rate {100 * ours['hit_rate']:.1f}%, false-hit rate "  # type: ignore[index]
        f"{100 * ours['false_hit_rate']:.1f}%; lookup p50 {latency['p50']:.1f} ms, "  # type: ignore[index]
        f"p95 {latency['p95']:.1f} ms (embedding + verifier, one entry per scope)\n"  # type: ignore[index]
        f"- GPTCache 0.1.44 (sqlite + faiss, SearchDistanceEvaluation, threshold 0.8): hit rate "
        f"{100 * peer_hit:.1f}%, false-hit rate {100 * peer_false:.1f}%\n\n" + _table(colmeia, peer)
    )
    print(body)
    write_section("cache-quality", body)


if __name__ == "__main__":
    main()
