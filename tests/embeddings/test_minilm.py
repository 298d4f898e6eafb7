"""The offline MiniLM: same vectors as sentence-transformers, on both backends, no torch."""

from __future__ import annotations

import logging
import subprocess
import sys

import numpy as np
import pytest

from colmeia.embeddings.minilm import DIMENSIONS, MiniLMEmbedder

SENTENCES = [
    "A man is eating food.",
    "A man is eating a piece of bread.",
    "The girl is carrying a baby.",
]
# Reference: sentence-transformers all-MiniLM-L6-v2 on torch (mean pooling, normalised).
REFERENCE_COSINES = [[1.0, 0.7553, -0.1050], [0.7553, 1.0, -0.0610], [-0.1050, -0.0610, 1.0]]
REFERENCE_HEAD = [0.0332, 0.0044, -0.0063, 0.0484, -0.1387]


@pytest.fixture(scope="module", params=["onnx", "numpy"])
def model(request: pytest.FixtureRequest) -> MiniLMEmbedder:
    return MiniLMEmbedder(backend=request.param)


class TestMiniLM:
    def test_matches_sentence_transformers(self, model: MiniLMEmbedder) -> None:
        vectors = model.embed(SENTENCES)
        assert vectors.shape == (3, DIMENSIONS)
        assert vectors.dtype == np.float32
        np.testing.assert_allclose(vectors @ vectors.T, REFERENCE_COSINES, atol=1e-4)
        np.testing.assert_allclose(vectors[0][:5], REFERENCE_HEAD, atol=1e-4)

    def test_batch_padding_does_not_change_vectors(self, model: MiniLMEmbedder) -> None:
        batch = model.embed(SENTENCES)
        for row, sentence in enumerate(SENTENCES):
            np.testing.assert_allclose(batch[row], model.embed_one(sentence), atol=1e-5)

    def test_empty_batch(self, model: MiniLMEmbedder) -> None:
        assert model.embed([]).shape == (0, DIMENSIONS)

    def test_backends_agree(self) -> None:
        onnx, plain = MiniLMEmbedder(backend="onnx"), MiniLMEmbedder(backend="numpy")
        assert (onnx.backend, plain.backend) == ("onnx", "numpy")
        text = "Quantos pedidos foram cancelados em abril?"
        assert float(onnx.embed_one(text) @ plain.embed_one(text)) > 0.99999

    def test_runs_without_torch_or_network(self) -> None:
        code = (
            "import sys, socket\n"
            "def refuse(*a, **k): raise OSError('network used')\n"
            "socket.socket.connect = refuse\n"
            "from colmeia.embeddings.minilm import MiniLMEmbedder\n"
            "MiniLMEmbedder().embed_one('hello')\n"
            "assert 'torch' not in sys.modules and 'sentence_transformers' not in sys.modules\n"
        )
        subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


class TestInt8:
    """The cache's default precision: quantized in memory, close to the float vectors."""

    def test_stays_close_to_the_float_vectors(self, caplog: pytest.LogCaptureFixture) -> None:
        caplog.set_level(logging.DEBUG)
        quantized = MiniLMEmbedder(precision="int8")
        assert not [r for r in caplog.records if r.name == "root"], "quantizer chatter leaked"
        logging.info("the root logger still logs")
        assert caplog.records[-1].getMessage() == "the root logger still logs"
        assert (quantized.backend, quantized.precision) == ("onnx", "int8")
        vectors = quantized.embed(SENTENCES)
        np.testing.assert_allclose(vectors @ vectors.T, REFERENCE_COSINES, atol=0.03)
        exact = MiniLMEmbedder(backend="onnx").embed(SENTENCES)
        assert np.min(np.sum(vectors * exact, axis=1)) > 0.98
        assert np.max(np.abs(vectors - exact)) > 1e-4, "the int8 graph was not used"

    def test_needs_onnx(self) -> None:
        with pytest.raises(ValueError, match="onnx"):
            MiniLMEmbedder(backend="numpy", precision="int8")
