"""Process-wide logging set-up, called once by each composition root."""

from __future__ import annotations

import logging
import sys


def configure_logging(level: str) -> None:
    """Plain stdlib logging to stderr at ``level``; quiet third-party chatter."""
    logging.basicConfig(
        level=level,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        force=True,
    )
    for noisy in ("httpx", "httpcore", "alembic", "celery.utils.functional"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLevelName(level)))
