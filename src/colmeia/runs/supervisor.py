"""Cancel requests and lease renewals for every run a worker process executes, in one loop.

Each run used to poll Redis for a cancel request every 0.2 s and renew its own lease: at 32
runs in flight that is 160 reads a second and a ledger transaction per run every lease/3, for
runs that mostly wait on an LLM. Here one loop per process reads the cancel keys of all its
runs in one ``MGET`` per tick, and renews all their leases in one conditional ``UPDATE`` every
lease/3 (fenced by each run's attempt, as a single renewal was). A run learns its fate through
a future: the cancel action, or `LEASE_LOST` when its attempt no longer holds the run.

A run claimed just after a renewal waits up to lease/3 for its first one, well inside the
lease its claim granted. A loop stalled past the lease (a process starved of CPU) loses the
leases, as the per-run renewals did: the reaper then gives the runs to another attempt.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Iterator
from datetime import timedelta

from redis.exceptions import RedisError
from sqlalchemy.exc import SQLAlchemyError

from colmeia.db import Sessionmaker, unit_of_work
from colmeia.kit.background import in_background
from colmeia.kit.time import utc_now
from colmeia.models import Run
from colmeia.runs.events import RunEvents
from colmeia.runs.ledger_retry import ledger_retry
from colmeia.runs.repository import RunRepository

logger = logging.getLogger("colmeia.runs")

CANCEL_POLL_S = 0.2
LEASE_LOST = "lease_lost"
"""The answer when a renewal found the attempt no longer holds the run."""


class RunSupervisor:
    def __init__(
        self,
        events: RunEvents,
        sessionmaker: Sessionmaker,
        lease_s: float,
        poll_s: float = CANCEL_POLL_S,
    ) -> None:
        self._events = events
        self._sessionmaker = sessionmaker
        self._lease_s = lease_s
        self._poll_s = poll_s
        self._renew_every = max(lease_s / 3, poll_s)
        self._watched: dict[uuid.UUID, tuple[int, asyncio.Future[str]]] = {}

    @contextlib.contextmanager
    def watching(self, run: Run) -> Iterator[asyncio.Future[str]]:
        """Watch ``run`` (its claimed attempt) while the block runs; the future resolves to a
        cancel action or `LEASE_LOST` if the run must stop."""
        stopped: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._watched[run.id] = (run.attempt, stopped)
        try:
            yield stopped
        finally:
            self._watched.pop(run.id, None)

    def running(self) -> contextlib.AbstractAsyncContextManager[None]:
        """The loop, for as long as the block runs (the worker's runtime)."""
        return in_background(self._loop, name="run-supervisor")

    async def _loop(self) -> None:
        loop = asyncio.get_running_loop()
        last_renewal = loop.time()
        while True:
            await asyncio.sleep(self._poll_s)
            if not self._watched:
                last_renewal = loop.time()  # nothing to renew; a run claimed now holds a lease
                continue
            try:
                await self._check_cancels()
                if loop.time() - last_renewal >= self._renew_every:
                    last_renewal = loop.time()
                    await self._renew()
            except (RedisError, SQLAlchemyError) as error:
                # Transient: the next tick asks again; a lease outlives several ticks.
                logger.warning("run supervision failed this tick: %s", error)
            except Exception:  # a bug here must not end supervision of every run in flight
                logger.exception("run supervision failed this tick")

    async def _check_cancels(self) -> None:
        ids = list(self._watched)
        actions = await self._events.cancel_requests(ids)
        for run_id, action in zip(ids, actions, strict=True):
            if action is not None:
                self._stop(run_id, action)

    async def _renew(self) -> None:
        attempts = {run_id: attempt for run_id, (attempt, _) in self._watched.items()}
        kept = await ledger_retry(self._renew_leases)(attempts)
        for run_id in attempts.keys() - kept:
            self._stop(run_id, LEASE_LOST, attempts[run_id])

    async def _renew_leases(self, attempts: dict[uuid.UUID, int]) -> set[uuid.UUID]:
        until = utc_now() + timedelta(seconds=self._lease_s)
        async with unit_of_work(self._sessionmaker) as session:
            return await RunRepository(session).renew_many(attempts, until)

    def _stop(self, run_id: uuid.UUID, action: str, attempt: int | None = None) -> None:
        """Resolve the run's future (only ``attempt``'s, when given: a lost lease is about one
        attempt, never a later one of the same run)."""
        watched = self._watched.get(run_id)
        if watched is None or (attempt is not None and watched[0] != attempt):
            return
        if not watched[1].done():
            watched[1].set_result(action)
