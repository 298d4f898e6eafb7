"""Deterministic embedding vectors.

Each word maps to a pseudo-random direction derived from its hash; a text's vector is the
normalised sum of its words' directions. So the same text always gives the same unit vector and
texts that share words have a positive cosine, which is enough to exercise a semantic cache or a
vector index end to end. It is not semantic: synonyms are as far apart as unrelated words.
"""

from __future__ import annotations

import base64
import hashlib
import math
import struct
from collections.abc import Sequence

from pydantic import JsonValue

from colmeia.simllm import tokens, words
from colmeia.simllm.errors import SimulatedError
from colmeia.simllm.schemas import EmbeddingRequest, JsonObject

_SCALE = 1 / 32768


def to_body(request: EmbeddingRequest, dim: int) -> JsonObject:
    """The `list` of embeddings OpenAI returns, one per input, with usage filled."""
    data: list[JsonValue] = []
    used = 0
    for index, item in enumerate(_inputs(request.input)):
        if isinstance(item, str):
            vector, used = embed(item, dim), used + tokens.estimate(item)
        else:
            vector, used = embed_tokens(item, dim), used + len(item)
        encoded: JsonValue = [*vector]
        if request.encoding_format == "base64":
            encoded = encode_base64(vector)
        data.append({"object": "embedding", "index": index, "embedding": encoded})
    return {
        "object": "list",
        "data": data,
        "model": request.model,
        "usage": {"prompt_tokens": used, "total_tokens": used},
    }


def embed(text: str, dim: int) -> list[float]:
    """A unit-norm vector of `dim` floats for `text`."""
    terms = [words.normalise(word) for word in words.split_words(text)] or [text]
    total = [0.0] * dim
    for term in terms:
        for index, component in enumerate(_direction(term, dim)):
            total[index] += component
    norm = math.sqrt(sum(component * component for component in total))
    if norm == 0:
        return _direction(f"\x00{text}", dim)  # opposite terms cancelled; any stable vector will do
    return [component / norm for component in total]


def embed_tokens(token_ids: Sequence[int], dim: int) -> list[float]:
    """A vector for pre-tokenised input, treating each token id as a word."""
    return embed(" ".join(f"t{token}" for token in token_ids), dim)


def encode_base64(vector: Sequence[float]) -> str:
    """The vector as OpenAI's `encoding_format: base64` sends it: little-endian float32 bytes."""
    return base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode()


def _direction(term: str, dim: int) -> list[float]:
    # Explicit little-endian so the vectors are the same on every platform.
    raw = struct.unpack(f"<{dim}h", hashlib.shake_256(term.encode()).digest(2 * dim))
    components = [value * _SCALE for value in raw]
    norm = math.sqrt(sum(component * component for component in components)) or 1.0
    return [component / norm for component in components]


def _inputs(value: str | list[str] | list[int] | list[list[int]]) -> list[str | list[int]]:
    if isinstance(value, str):
        return [value]
    items: list[str | list[int]] = []
    flat_tokens: list[int] = []
    for item in value:
        if isinstance(item, int):
            flat_tokens.append(item)  # a flat list of ints is one pre-tokenised input
        else:
            items.append(item)
    if flat_tokens:
        items.append(flat_tokens)
    if not items:
        raise SimulatedError(400, "'input' must not be empty.", param="input")
    return items
