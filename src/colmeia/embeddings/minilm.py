"""all-MiniLM-L6-v2 sentence embeddings with no torch at run time.

The six encoder layers run in ONNX Runtime from a graph built from the wheel's safetensors
(`colmeia.embeddings.graph`; ~6 ms/query on one core here) once per install
(`colmeia.embeddings.built`), or, when the ``onnx`` package is absent, as the same forward pass
in numpy (~10 ms/query). Both give the vectors sentence-transformers gives (mean pooling over
the attention mask, then L2 normalisation; max abs difference ~2e-7, pinned in
``tests/embeddings``), so an index never mixes two vector spaces.
No torch export: the graph is generated from the installed wheel, never committed.

``precision="int8"`` quantizes that graph when it is built (`graph.quantize_int8`): the
semantic cache's default, since a query then embeds ~2× faster and the labelled pairs score
the same; its vectors stay within cosine 0.98 of the float ones (also pinned in the tests).

ONNX Runtime runs with one intra-op thread. A second one helps only while it spins between
queries (measured on this 2-core machine: 5.1 → 3.0 ms per query when idle), and spinning
keeps a second core busy per embedding, taken from the event loops it shares the machine with
(two callers embedded 23% fewer queries per second); without spinning, queries arriving a
few milliseconds apart gained nothing (4.6 ms with one thread or two).

Thread safety: `MiniLMEmbedder.embed` only reads the weights, so one instance serves every task.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnxruntime  # type: ignore[import-untyped]
from tokenizers import Tokenizer

from colmeia.embeddings.spaces import Precision, vector_space
from colmeia.embeddings.weights import LAYERS, Array, default_model_dir, load_safetensors

logger = logging.getLogger(__name__)

Encoder = Callable[[Array, Array], Array]
"""(embedded tokens ``(b, s, 384)``, additive mask ``(b, 1, 1, s)``) -> last hidden state."""

DIMENSIONS = 384
_HEADS = 12
_HEAD_DIM = DIMENSIONS // _HEADS
_EPS = 1e-12
_MAX_TOKENS = 256  # sentence_bert_config.json: max_seq_length


@dataclass(frozen=True, slots=True)
class _Layer:
    qkv_w: Array  # (384, 1152): query, key and value projections fused into one product
    qkv_b: Array
    out_w: Array
    out_b: Array
    ln1_g: Array
    ln1_b: Array
    up_w: Array
    up_b: Array
    down_w: Array
    down_b: Array
    ln2_g: Array
    ln2_b: Array


def _layer_norm(x: Array, gain: Array, bias: Array) -> Array:
    mean = x.mean(axis=-1, keepdims=True)
    centred = x - mean
    var = (centred * centred).mean(axis=-1, keepdims=True)
    out: Array = centred / np.sqrt(var + _EPS) * gain + bias
    return out


def _gelu(x: Array) -> Array:
    """BERT's exact (erf) GELU; erf by Abramowitz & Stegun 7.1.26 (error < 1.5e-7)."""
    z = x * np.float32(0.7071067811865476)
    sign = np.sign(z)
    a = np.abs(z)
    t = 1.0 / (1.0 + 0.3275911 * a)
    poly = t * (
        0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))
    )
    erf = sign * (1.0 - poly * np.exp(-a * a))
    out: Array = (0.5 * x * (1.0 + erf)).astype(np.float32)
    return out


def _load_layer(tensors: dict[str, Array], index: int) -> _Layer:
    prefix = f"encoder.layer.{index}."

    def weight(name: str) -> Array:
        # Linear layers store (out, in); the forward pass multiplies x @ W.T, so transpose once.
        return np.ascontiguousarray(tensors[prefix + name + ".weight"].T)

    def bias(name: str) -> Array:
        return tensors[prefix + name + ".bias"]

    attention = "attention.self."
    return _Layer(
        qkv_w=np.ascontiguousarray(
            np.concatenate([weight(attention + p) for p in ("query", "key", "value")], axis=1)
        ),
        qkv_b=np.concatenate([bias(attention + p) for p in ("query", "key", "value")]),
        out_w=weight("attention.output.dense"),
        out_b=bias("attention.output.dense"),
        ln1_g=tensors[prefix + "attention.output.LayerNorm.weight"],
        ln1_b=tensors[prefix + "attention.output.LayerNorm.bias"],
        up_w=weight("intermediate.dense"),
        up_b=bias("intermediate.dense"),
        down_w=weight("output.dense"),
        down_b=bias("output.dense"),
        ln2_g=tensors[prefix + "output.LayerNorm.weight"],
        ln2_b=tensors[prefix + "output.LayerNorm.bias"],
    )


def _attention(layer: _Layer, x: Array, mask_bias: Array) -> Array:
    batch, seq, _ = x.shape
    qkv = (x @ layer.qkv_w + layer.qkv_b).reshape(batch, seq, 3, _HEADS, _HEAD_DIM)
    q, k, v = (qkv[:, :, i].transpose(0, 2, 1, 3) for i in range(3))
    scores = q @ k.transpose(0, 1, 3, 2) * np.float32(1.0 / np.sqrt(_HEAD_DIM)) + mask_bias
    scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
    scores /= scores.sum(axis=-1, keepdims=True)
    context = (scores @ v).transpose(0, 2, 1, 3).reshape(batch, seq, DIMENSIONS)
    return _layer_norm(context @ layer.out_w + layer.out_b + x, layer.ln1_g, layer.ln1_b)


def _block(layer: _Layer, x: Array, mask_bias: Array) -> Array:
    hidden = _attention(layer, x, mask_bias)
    up = _gelu(hidden @ layer.up_w + layer.up_b)
    return _layer_norm(up @ layer.down_w + layer.down_b + hidden, layer.ln2_g, layer.ln2_b)


def _numpy_encoder(tensors: dict[str, Array]) -> Encoder:
    layers = [_load_layer(tensors, i) for i in range(LAYERS)]

    def run(x: Array, mask_bias: Array) -> Array:
        for layer in layers:
            x = _block(layer, x, mask_bias)
        return x

    return run


def _onnx_encoder(
    tensors: dict[str, Array], weights: Path, precision: Precision, models_dir: Path | None
) -> Encoder | None:
    try:
        from colmeia.embeddings.built import encoder_model
    except ImportError:
        return None
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    model = encoder_model(tensors, weights, precision, directory=models_dir)
    try:
        session = onnxruntime.InferenceSession(model, options, providers=["CPUExecutionProvider"])
    except Exception as error:  # ONNX Runtime raises its own pybind types
        logger.warning("the built %s encoder is unreadable (%s); rebuilding it", precision, error)
        model = encoder_model(tensors, weights, precision, directory=models_dir, rebuild=True)
        session = onnxruntime.InferenceSession(model, options, providers=["CPUExecutionProvider"])

    def run(x: Array, mask_bias: Array) -> Array:
        outputs: list[Array] = session.run(None, {"hidden": x, "mask": mask_bias})
        return outputs[0]

    return run


class MiniLMEmbedder:
    """Embeds texts into L2-normalised 384-d float32 vectors (cosine = dot product)."""

    dimensions = DIMENSIONS

    def __init__(
        self,
        model_dir: Path | None = None,
        *,
        backend: str = "auto",
        precision: Precision = "fp32",
        models_dir: Path | None = None,
    ) -> None:
        """Load the model; ``backend`` is ``auto`` (ONNX Runtime when ``onnx`` is installed),
        ``onnx`` or ``numpy``; ``precision`` ``int8`` (ONNX only) trades exact
        sentence-transformers vectors for a 2× faster query (`quantize_int8`); ``models_dir``
        keeps the built ONNX encoders (default: the virtualenv's, `built.default_models_dir`)."""
        if precision == "int8" and backend == "numpy":
            raise ValueError("int8 precision needs the onnx backend")
        directory = model_dir or default_model_dir()
        self._tokenizer = Tokenizer.from_file(str(directory / "tokenizer.json"))
        # tokenizer.json pads every text to 128 tokens; pad per batch instead (far less work).
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(_MAX_TOKENS)
        weights = directory / "model.safetensors"
        tensors = load_safetensors(weights)
        self._word = tensors["embeddings.word_embeddings.weight"]
        self._position = tensors["embeddings.position_embeddings.weight"]
        self._token_type = tensors["embeddings.token_type_embeddings.weight"][0]
        self._ln_g = tensors["embeddings.LayerNorm.weight"]
        self._ln_b = tensors["embeddings.LayerNorm.bias"]
        encoder = (
            None if backend == "numpy" else _onnx_encoder(tensors, weights, precision, models_dir)
        )
        if encoder is None and (backend == "onnx" or precision == "int8"):
            raise RuntimeError(f"the onnx backend ({precision}) needs the `onnx` package")
        self.backend = "numpy" if encoder is None else "onnx"
        self.precision = precision
        self.space = vector_space(precision)
        self._encoder = encoder or _numpy_encoder(tensors)

    def known_words(self) -> frozenset[str]:
        """Whole words of the tokenizer's vocabulary (3+ letters): a misspelling is usually not
        one of them, which is how the verifier tells a typo from a different word."""
        vocabulary = self._tokenizer.get_vocab()
        return frozenset(w for w in vocabulary if w.isalpha() and len(w) >= 3)

    def embed(self, texts: list[str]) -> Array:
        """One row per text; a batch is padded to its longest member and masked."""
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        encodings = self._tokenizer.encode_batch(texts)
        seq = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(texts), seq), dtype=np.int64)
        mask = np.zeros((len(texts), seq), dtype=np.float32)
        for row, encoding in enumerate(encodings):
            ids[row, : len(encoding.ids)] = encoding.ids
            mask[row, : len(encoding.ids)] = 1.0
        x = self._word[ids] + self._position[:seq] + self._token_type
        x = _layer_norm(x, self._ln_g, self._ln_b).astype(np.float32)
        mask_bias = ((1.0 - mask) * np.float32(-1e9))[:, None, None, :]
        x = self._encoder(x, mask_bias)
        pooled = (x * mask[:, :, None]).sum(axis=1) / mask.sum(axis=1, keepdims=True)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        out: Array = (pooled / np.maximum(norms, 1e-12)).astype(np.float32)
        return out

    def embed_one(self, text: str) -> Array:
        """The vector of one text (shape ``(384,)``)."""
        vector: Array = self.embed([text])[0]
        return vector
