"""The reaper: finds runs the ledger would otherwise lose, and sends them on.

Every API and worker process runs one (`sweep_forever`); each sweep is a few single-statement
conditional updates, so replicas sweeping at once never act on the same run twice:

- a running run whose lease expired (its worker died or froze) → pending, sent again; the next
  claim increments the attempt, so recovery is bounded by the lease, not the broker's
  visibility timeout (DESIGN §5);
- the same on its last attempt → ``dead`` with the reason (the dead-letter list);
- a pending run whose message is lost (the queue moved past it, or stands still, for
  ``redeliver_after_s``) → sent again.

Re-sends go to the resume queue (`colmeia.runs.task_names.resume_queue`), not behind the
backlog of new runs.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import timedelta

from colmeia.db import Sessionmaker, unit_of_work
from colmeia.kit.background import in_background
from colmeia.kit.time import utc_now
from colmeia.models import RunStatus
from colmeia.runs.events import RunEvents
from colmeia.runs.ledger_retry import ledger_retry
from colmeia.runs.policy import RunPolicy
from colmeia.runs.repository import RunRepository
from colmeia.runs.run_thread import settle_thread
from colmeia.runs.task_names import EXECUTE_TASK
from colmeia.telemetry.metrics import (
    DEAD_LETTERS,
    LEASE_RECOVERIES,
    QUEUE_DEPTH,
    QUEUE_OLDEST_AGE,
    RUNS,
)
from colmeia.worker.enqueue import AfterCommit, JobQueue

logger = logging.getLogger("colmeia.runs.reaper")


@dataclass(frozen=True, slots=True)
class Sweep:
    """What one sweep did (ids as strings, for logs and tests)."""

    recovered: tuple[str, ...] = ()
    dead: tuple[str, ...] = ()
    redelivered: tuple[str, ...] = ()


class Reaper:
    def __init__(
        self, sessionmaker: Sessionmaker, events: RunEvents, queue: JobQueue, policy: RunPolicy
    ) -> None:
        self.sessionmaker = sessionmaker
        self.events = events
        self.queue = queue
        self.policy = policy

    async def sweep(self) -> Sweep:
        """One pass over the ledger; sends happen after the pass commits."""
        after = AfterCommit()
        found = await ledger_retry(self._sweep)(after)
        await after.flush(self.queue)
        if found.recovered or found.dead or found.redelivered:
            logger.warning(
                "reaper: %d lease(s) expired and re-sent, %d run(s) dead, %d pending re-sent",
                len(found.recovered),
                len(found.dead),
                len(found.redelivered),
            )
        return found

    async def _sweep(self, after: AfterCommit) -> Sweep:
        after.jobs.clear()
        after.calls.clear()
        now = utc_now()
        cutoff = now - timedelta(seconds=self.policy.redeliver_after_s)
        async with unit_of_work(self.sessionmaker) as session:
            repository = RunRepository(session)
            recovered = await repository.release_expired(now)
            buried = await repository.bury_expired(now)
            redelivered = await repository.redeliver_stale(cutoff, now)
            waiting, oldest = await repository.pending_backlog()
            for run in buried:
                error = {"error": "RunDead", "message": run.error or "lease expired"}
                output = {"__error__": error}
                following = await settle_thread(session, run, RunStatus.dead, output, False)
                after.call(_finisher(self.events, run.id, error))
                if following is not None:
                    redelivered.append(following)
        for run_id in (*recovered, *redelivered):
            after.resend(EXECUTE_TASK, run_id=str(run_id))
        LEASE_RECOVERIES.inc(len(recovered))
        # The queue as the ledger sees it (every replica sweeps, so the gauge stays fresh).
        QUEUE_DEPTH.set(waiting)
        QUEUE_OLDEST_AGE.set(max((now - oldest).total_seconds(), 0.0) if oldest else 0.0)
        if buried:
            DEAD_LETTERS.labels(reason="lease_expired").inc(len(buried))
            RUNS.labels(status=RunStatus.dead.value).inc(len(buried))
        return Sweep(
            tuple(map(str, recovered)),
            tuple(str(run.id) for run in buried),
            tuple(map(str, redelivered)),
        )

    def running(self) -> AbstractAsyncContextManager[None]:
        """Sweep in the background while the context is open (stopped before it exits)."""
        return in_background(self.sweep_forever, name="reaper")

    async def sweep_forever(self) -> None:
        """Sweep every ``reaper_interval_s`` until cancelled; a failed sweep is logged and
        the next one tries again (the database or broker may be back by then)."""
        while True:
            try:
                await self.sweep()
            except Exception:  # keep the reaper alive through outages
                logger.exception("reaper sweep failed")
            await asyncio.sleep(self.policy.reaper_interval_s)


def _finisher(
    events: RunEvents, run_id: uuid.UUID, error: dict[str, str]
) -> Callable[[], Awaitable[None]]:
    """End a buried run's event stream, so waiting clients see why it stopped."""

    async def finish() -> None:
        await events.publish(run_id, "error", error)
        await events.finish(run_id, {"__error__": error}, RunStatus.dead.value)

    return finish
