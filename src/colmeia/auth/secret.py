"""The server secret that peppers API-key hashes.

In development it is generated once and kept in the data dir (mode 0600) so restarts and
every local process agree on it; production must configure it explicitly.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from colmeia.config import Settings


def load_or_create_secret(configured: str | None, data_dir: Path) -> bytes:
    """The configured secret, else the one kept in ``data_dir/secret_key`` (created if absent)."""
    if configured:
        return configured.encode()
    path = data_dir / "secret_key"
    try:
        return path.read_bytes().strip()
    except FileNotFoundError:
        pass
    data_dir.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(48).encode()
    # O_EXCL: when two processes race at first start, the loser reads the winner's secret.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes().strip()
    with os.fdopen(fd, "wb") as handle:
        handle.write(value)
    return value


def server_pepper(settings: Settings) -> bytes:
    """The secret for this deployment, as every process (API, worker, CLI) must agree on it."""
    secret = settings.auth.secret_key
    return load_or_create_secret(secret.get_secret_value() if secret else None, settings.data_dir)
