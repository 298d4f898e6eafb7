"""The ONNX encoders are built once per install and read back by every process after that."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest

from colmeia.embeddings.built import build_all, model_path
from colmeia.embeddings.minilm import MiniLMEmbedder
from colmeia.embeddings.weights import default_model_dir

TEXTS = ["How many orders were cancelled in April?", "Quantos pedidos foram cancelados?"]
WEIGHTS = default_model_dir() / "model.safetensors"


def identity(path: Path) -> tuple[int, int]:
    """Inode and mtime: a rebuild replaces the file, so both change."""
    stat = path.stat()
    return stat.st_ino, stat.st_mtime_ns


class TestBuilt:
    def test_built_once_then_read_back(self, tmp_path: Path) -> None:
        path = model_path(WEIGHTS, "int8", tmp_path)
        assert not path.exists()
        first = MiniLMEmbedder(precision="int8", models_dir=tmp_path)
        assert path.is_file()
        written = identity(path)
        again = MiniLMEmbedder(precision="int8", models_dir=tmp_path)
        assert identity(path) == written, "the second embedder rebuilt the model"
        np.testing.assert_array_equal(first.embed(TEXTS), again.embed(TEXTS))

    def test_install_step_builds_every_precision_once(self, tmp_path: Path) -> None:
        built = build_all(tmp_path)
        assert sorted(built) == sorted(
            model_path(WEIGHTS, precision, tmp_path) for precision in ("fp32", "int8")
        )
        assert all(path.stat().st_mode & 0o044 == 0o044 for path in built)  # others can read
        assert build_all(tmp_path) == []
        exact = MiniLMEmbedder(backend="onnx", models_dir=tmp_path).embed(TEXTS)
        fresh = MiniLMEmbedder(backend="numpy").embed(TEXTS)
        np.testing.assert_allclose(exact, fresh, atol=1e-5)

    def test_a_corrupted_file_is_rebuilt(
        self, tmp_path: Path, caplog: pytest.LogCaptureFixture
    ) -> None:
        path = model_path(WEIGHTS, "fp32", tmp_path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"not a model")
        embedder = MiniLMEmbedder(backend="onnx", models_dir=tmp_path)
        assert "unreadable" in caplog.text
        assert path.stat().st_size > 1_000_000
        reference = MiniLMEmbedder(backend="numpy").embed(TEXTS)
        np.testing.assert_allclose(embedder.embed(TEXTS), reference, atol=1e-5)

    def test_an_unwritable_directory_only_costs_the_build(
        self, tmp_path: Path, caplog: pytest.LogCaptureFixture
    ) -> None:
        blocker = tmp_path / "a-file"
        blocker.write_text("a file where the directory should be")
        caplog.set_level(logging.WARNING)
        embedder = MiniLMEmbedder(precision="int8", models_dir=blocker / "onnx")
        assert "not kept" in caplog.text
        assert embedder.embed(TEXTS).shape == (2, 384)

    def test_a_failed_write_leaves_no_partial_file(
        self, tmp_path: Path, caplog: pytest.LogCaptureFixture
    ) -> None:
        path = model_path(WEIGHTS, "fp32", tmp_path)
        (path / "in-the-way").mkdir(parents=True)  # a directory where the file must go
        embedder = MiniLMEmbedder(backend="onnx", models_dir=tmp_path)
        assert "not kept" in caplog.text
        assert list(tmp_path.glob("*.tmp")) == []
        assert embedder.embed(TEXTS).shape == (2, 384)
