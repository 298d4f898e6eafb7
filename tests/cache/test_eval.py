"""``colmeia cache eval`` on a small pairs file of its own, via the library and the real CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from redis.asyncio import Redis

from colmeia.cache import eval as cache_eval
from colmeia.cache.factory import VectorBackend
from tests.cache.conftest import write_pairs

ROWS: list[dict[str, object]] = [
    {"id": "t1", "a": "How do I rotate the TLS certificate?",
     "b": "How do I rotate the TLS certficate?", "label": 1, "kind": "typo", "lang": "en"},
    {"id": "t2", "a": "Show sales for June 2025.", "b": "Show sales for July 2025.",
     "label": 0, "kind": "date_change", "lang": "en"},
    {"id": "t3", "a": "Quais pedidos foram pagos?", "b": "Quais pedidos não foram pagos?",
     "label": 0, "kind": "negation", "lang": "pt"},
    {"id": "t4", "a": "Using Rust, how do I parse JSON?", "b": "How do I parse JSON using Rust?",
     "label": 1, "kind": "reorder", "lang": "en"},
]  # fmt: skip


class TestEval:
    async def test_rates_by_group(
        self, redis: Redis, backend: tuple[VectorBackend, str], tmp_path: Path
    ) -> None:
        path = write_pairs(tmp_path / "pairs.jsonl", ROWS)
        summary = await cache_eval.run(redis, path, backend[0])
        overall = summary["overall"]
        assert overall == {
            "pairs": 4, "positives": 2, "negatives": 2, "hit_rate": 1.0, "false_hit_rate": 0.0
        }  # fmt: skip
        assert set(summary["by_lang"]) == {"en", "pt"}  # type: ignore[arg-type]
        assert summary["by_kind"]["negation"]["false_hit_rate"] == 0.0  # type: ignore[index]
        assert [key async for key in redis.scan_iter(match="colmeia:cache-eval:*")] == []
        assert "hit rate" in cache_eval.render(summary)

    def test_bad_file_names_the_line(self, tmp_path: Path) -> None:
        path = tmp_path / "bad.jsonl"
        path.write_text('{"id": "x", "a": "q"}\n')
        with pytest.raises(cache_eval.InvalidPairsFile, match="bad.jsonl:1: missing b, label"):
            cache_eval.load_pairs(path)


class TestCommand:
    def test_cli_json(self, redis_url: str, tmp_path: Path) -> None:
        path = write_pairs(tmp_path / "pairs.jsonl", ROWS)
        env = {**os.environ, "COLMEIA_REDIS__URL": redis_url, "COLMEIA_DATA_DIR": str(tmp_path)}
        done = subprocess.run(
            [sys.executable, "-m", "colmeia", "cache", "eval", "--pairs", str(path), "--json"],
            env=env, capture_output=True, text=True, timeout=300, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        summary = json.loads(done.stdout)
        assert summary["overall"]["hit_rate"] == 1.0
        assert summary["lookup_ms"]["p50"] > 0

    def test_cli_bad_file_is_one_line(self, redis_url: str, tmp_path: Path) -> None:
        path = tmp_path / "bad.jsonl"
        path.write_text("not json\n")
        env = {**os.environ, "COLMEIA_REDIS__URL": redis_url, "COLMEIA_DATA_DIR": str(tmp_path)}
        done = subprocess.run(
            [sys.executable, "-m", "colmeia", "cache", "eval", "--pairs", str(path)],
            env=env, capture_output=True, text=True, timeout=300, check=False,
        )  # fmt: skip
        assert done.returncode == 1
        assert "bad.jsonl:1" in done.stderr
        assert "Traceback" not in done.stderr
