"""The ONNX encoders, built once per install instead of once per process.

Building the graph from the wheel's safetensors takes ~0.5 s and quantizing it to int8 2–5 s of
CPU. Every API and worker process used to pay that at start-up, in a thread that held the GIL
while the process served its first runs (a profile of a worker under load: a quarter of its CPU
went to ONNX Runtime's quantizer). ``./dev sync`` runs ``python -m colmeia.embeddings.built``,
which builds both precisions into the virtualenv (``<venv>/share/colmeia/onnx``) as it compiles
the bytecode; a process that finds no file builds the model and writes it there for the next
one. Writes are atomic (a temporary file, then a rename): no reader sees half a model.

A file's name carries a digest of the weights file (size and mtime), the builder version and
the onnx and ONNX Runtime versions, so changing any of them builds a new file. Nothing here is
committed: the files are generated from the installed wheel.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import sys
import tempfile
from pathlib import Path

import onnx
import onnxruntime  # type: ignore[import-untyped]

from colmeia.embeddings.graph import build_encoder, quantize_int8
from colmeia.embeddings.spaces import Precision
from colmeia.embeddings.weights import LAYERS, Array, default_model_dir, load_safetensors

logger = logging.getLogger(__name__)

BUILDER_VERSION = 1
"""Bump when `build_encoder` or `quantize_int8` change the graph they produce."""
PRECISIONS: tuple[Precision, ...] = ("fp32", "int8")


def default_models_dir() -> Path:
    """Beside the installed packages the models are built from (the virtualenv's ``share``)."""
    return Path(sys.prefix) / "share" / "colmeia" / "onnx"


def model_path(weights: Path, precision: Precision, directory: Path | None = None) -> Path:
    """Where the encoder built from ``weights`` at ``precision`` is kept."""
    stat = weights.stat()
    key = ":".join(
        str(part)
        for part in (
            weights.resolve(),
            stat.st_size,
            stat.st_mtime_ns,
            BUILDER_VERSION,
            onnx.__version__,
            onnxruntime.__version__,
        )
    )
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    return (directory or default_models_dir()) / f"minilm-{precision}-{digest}.onnx"


def build(tensors: dict[str, Array], precision: Precision) -> bytes:
    """The serialised encoder, quantized for ``int8``."""
    model = build_encoder(tensors, LAYERS)
    return quantize_int8(model) if precision == "int8" else model


def encoder_model(
    tensors: dict[str, Array],
    weights: Path,
    precision: Precision,
    *,
    directory: Path | None = None,
    rebuild: bool = False,
) -> bytes:
    """The built encoder for ``weights``: read from disk, or built now and written there.

    ``rebuild`` ignores a file ONNX Runtime refused (corrupted by hand: writes are atomic)."""
    path = model_path(weights, precision, directory)
    if not rebuild:
        try:
            return path.read_bytes()
        except OSError:
            pass
    model = build(tensors, precision)
    _save(path, model)
    return model


def _save(path: Path, model: bytes) -> bool:
    """Write ``model`` atomically; a read-only install is not an error, only slower starts."""
    temporary: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".tmp", delete=False) as handle:
            temporary = handle.name
            handle.write(model)
        os.chmod(temporary, 0o644)  # readable by the service's user, as the venv is
        os.replace(temporary, path)
    except OSError as error:
        if temporary is not None:  # a full disk must not leave half a model behind
            with contextlib.suppress(OSError):
                os.unlink(temporary)
        logger.warning("the built encoder is not kept (%s): each process builds its own", error)
        return False
    return True


def build_all(directory: Path | None = None) -> list[Path]:
    """Build every precision for the installed model that is not built yet; returns the new
    files. Cheap when all are built (every ``./dev`` command runs it): the weights are read
    only when a file is missing."""
    weights = default_model_dir() / "model.safetensors"
    missing = [
        (precision, path)
        for precision in PRECISIONS
        if not (path := model_path(weights, precision, directory)).is_file()
    ]
    if not missing:
        return []
    tensors = load_safetensors(weights)
    return [path for precision, path in missing if _save(path, build(tensors, precision))]


def main() -> None:
    """``python -m colmeia.embeddings.built`` (``./dev sync`` runs it)."""
    logging.basicConfig(format="%(message)s", level=logging.INFO)
    for path in build_all():
        logger.info("built %s", path)


if __name__ == "__main__":
    main()
