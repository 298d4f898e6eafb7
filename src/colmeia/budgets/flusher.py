"""The periodic task that copies budget counters to the database (started by app.py)."""

from __future__ import annotations

import asyncio
import logging

from redis.asyncio import Redis

from colmeia.budgets.service import budget as budget_service
from colmeia.db import Sessionmaker

logger = logging.getLogger("colmeia.budgets")


async def run_flusher(redis: Redis, sessionmaker: Sessionmaker, interval_s: float) -> None:
    """Flush every ``interval_s`` until cancelled; a failed flush is logged and retried."""
    while True:
        await asyncio.sleep(interval_s)
        try:
            await budget_service.flush(redis, sessionmaker)
        except Exception as error:  # Redis or the DB down: keep the loop alive, try again
            logger.warning("budget flush failed: %s", type(error).__name__)
