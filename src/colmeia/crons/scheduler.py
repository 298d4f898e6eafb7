"""The cron scheduler: creates each due cron's run, exactly once across replicas.

Every API process runs one (`running`). A tick reads the due crons; for each, one transaction
moves the cron to its next run with a conditional update (the replica whose update matches
the run date it read wins the occurrence) and creates the run through the runs service, so
a replica dying between the two leaves neither. The run is then sent like any other, and the
ledger makes it durable from there. Occurrences missed while no API ran are not caught up:
the next run is computed from now, as on LangGraph Server.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from colmeia.auth.principal import Principal
from colmeia.crons.repository import CronRepository
from colmeia.crons.schedule import next_run
from colmeia.db import Sessionmaker, unit_of_work
from colmeia.errors import ColmeiaError
from colmeia.kit.background import in_background
from colmeia.kit.time import utc_now
from colmeia.models import Cron, User
from colmeia.runs.events import RunEvents
from colmeia.runs.policy import RunPolicy
from colmeia.runs.schemas import RunCreate
from colmeia.runs.service import run as run_service
from colmeia.telemetry.metrics import CRON_OCCURRENCES, CRON_TICK_FAILURES
from colmeia.worker.enqueue import JobQueue

logger = logging.getLogger("colmeia.crons")
BATCH = 50


class CronScheduler:
    def __init__(
        self,
        sessionmaker: Sessionmaker,
        graph_ids: Callable[[], set[str]],
        events: RunEvents,
        queue: JobQueue,
        policy: RunPolicy,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.graph_ids = graph_ids
        self.events = events
        self.queue = queue
        self.policy = policy

    async def tick(self) -> list[uuid.UUID]:
        """Fire every due cron once; returns the runs created."""
        now = utc_now()
        async with unit_of_work(self.sessionmaker) as session:
            due = await CronRepository(session).due(now, BATCH)
        created = []
        for cron in due:
            run_id = await self._fire(cron)
            if run_id is not None:
                created.append(run_id)
        return created

    async def _fire(self, cron: Cron) -> uuid.UUID | None:
        following = next_run(cron.schedule, utc_now(), cron.timezone)
        try:
            async with unit_of_work(self.sessionmaker) as session:
                if not await CronRepository(session).claim(cron, following):
                    return None  # another replica took this occurrence
                principal = await _creator(session, cron)
                run, after = await run_service.create(
                    session, principal, cron.thread_id, _run_body(cron), self.graph_ids(),
                    self.events, self.policy,
                )  # fmt: skip
        except (ColmeiaError, ValidationError, LookupError) as error:
            # The occurrence is skipped (thread busy under "reject", assistant or user gone…);
            # the cron moves on so it does not retry every tick.
            logger.warning("cron %s skipped a run: %s", cron.id, error)
            async with unit_of_work(self.sessionmaker) as session:
                await CronRepository(session).claim(cron, following)
            CRON_OCCURRENCES.labels(outcome="skipped").inc()
            return None
        CRON_OCCURRENCES.labels(outcome="created").inc()
        await after.flush(self.queue)
        logger.info("cron %s created run %s; next at %s", cron.id, run.id, following.isoformat())
        return run.id

    def running(self, interval_s: float) -> AbstractAsyncContextManager[None]:
        """Tick every ``interval_s`` in the background while the context is open."""
        return in_background(lambda: self._tick_forever(interval_s), name="cron-scheduler")

    async def _tick_forever(self, interval_s: float) -> None:
        while True:
            try:
                await self.tick()
            except Exception:  # keep scheduling through database or broker outages
                CRON_TICK_FAILURES.inc()
                logger.exception("cron scheduler tick failed")
            await asyncio.sleep(interval_s)


async def _creator(session: AsyncSession, cron: Cron) -> Principal:
    user = await session.get(User, cron.user_id)
    if user is None or not user.is_active or user.tenant_id != cron.tenant_id:
        raise LookupError(f"its creator {cron.user_id} is no longer an active user")
    return Principal(user_id=user.id, tenant_id=user.tenant_id, roles=frozenset({user.role.value}))


def _run_body(cron: Cron) -> RunCreate:
    """The stored body; its run metadata is the cron's, the body's and ``cron_id`` (as on
    LangGraph Server, plus the id). A cron without a thread keeps or deletes each run's new
    thread as it says."""
    payload = dict(cron.payload)
    own = payload.get("metadata") or {}
    payload["metadata"] = {**cron.metadata_, **own, "cron_id": str(cron.id)}
    if cron.thread_id is None:
        payload["on_completion"] = "keep" if cron.on_run_completed == "keep" else "delete"
    return RunCreate.model_validate(payload)
