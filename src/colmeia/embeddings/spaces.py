"""Names of the vector spaces the embedder can produce, importable without ONNX Runtime.

The cache's store of record tags every entry with one, and must not load the model to do so."""

from __future__ import annotations

from typing import Literal

Precision = Literal["fp32", "int8"]


def vector_space(precision: Precision) -> str:
    """Names the vectors an embedder makes: both backends agree, the two precisions do not."""
    return f"all-MiniLM-L6-v2/{precision}"
