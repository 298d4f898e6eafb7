"""The directory prometheus-client's multi-process mode shares between processes.

Kept apart from `colmeia.telemetry.metrics` on purpose: a supervisor must prepare the
directory *without* importing prometheus-client, whose mode is fixed at import time.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


def fresh_multiproc_dir(data_dir: Path) -> Path:
    """An empty ``metrics`` directory in the data dir (values of a previous start removed)."""
    path = (data_dir / "metrics").resolve()
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True, exist_ok=True)
    os.chmod(path, 0o700)
    return path
