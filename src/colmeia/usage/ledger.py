"""The gateway's `UsageSink`: usage rows buffered in memory and written in batches.

Writing one row per call inside the request would put a database commit on every LLM call's
path; instead rows are appended to a buffer and flushed every ``flush_interval_s`` (and on
shutdown) in one multi-row insert. Rows of a process killed with SIGKILL inside that interval
are lost: usage is reporting, while budgets are enforced in Redis (security issue), never from
these rows.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from colmeia.db import Sessionmaker, unit_of_work
from colmeia.llm.usage import UsageRecord
from colmeia.usage.repository import UsageRepository

logger = logging.getLogger("colmeia.usage")


class UsageLedger:
    def __init__(self, sessionmaker: Sessionmaker, flush_interval_s: float = 0.5) -> None:
        self.sessionmaker = sessionmaker
        self.flush_interval_s = flush_interval_s
        self._buffer: list[UsageRecord] = []
        self._task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()

    async def record(self, record: UsageRecord) -> None:
        """Buffer one row; the periodic flush writes it."""
        self._buffer.append(record)
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def flush(self) -> int:
        """Write every buffered row now; returns how many were written."""
        async with self._lock:
            rows, self._buffer = self._buffer, []
            if not rows:
                return 0
            try:
                async with unit_of_work(self.sessionmaker) as session:
                    await UsageRepository(session).add_many(rows)
            except Exception:
                logger.exception(
                    "could not write %d usage rows; kept for the next flush", len(rows)
                )
                self._buffer[:0] = rows
                raise
            return len(rows)

    async def aclose(self) -> None:
        """Stop the periodic flush and write what is left (the app's shutdown)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self.flush()

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.flush_interval_s)
            try:
                await self.flush()
            except Exception:  # logged in flush; the rows stay buffered for the next round
                continue
