"""Dead letters: list and inspect runs out of attempts, and re-drive them.

Re-driving resets the attempt budget and makes the run pending again; the caller sends it to
the workers once the unit of work commits (`AfterCommit`), like any new run. Its thread turns
busy again, and the run resumes from the thread's last checkpoint.
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from colmeia.kit.time import utc_now
from colmeia.models import Run, ThreadStatus
from colmeia.runs.dead_letters.repository import DeadLetterRepository
from colmeia.runs.errors import RunNotFound
from colmeia.runs.task_names import EXECUTE_TASK
from colmeia.threads.repository import ThreadRepository
from colmeia.worker.enqueue import AfterCommit


class DeadLetterService:
    async def page(
        self, session: AsyncSession, tenant_id: uuid.UUID | None, limit: int, offset: int
    ) -> tuple[list[Run], int]:
        """A page of dead runs, newest death first, and how many there are in all."""
        repository = DeadLetterRepository(session)
        return await repository.page(tenant_id, limit, offset), await repository.count(tenant_id)

    async def get(self, session: AsyncSession, run_id: uuid.UUID) -> Run:
        run = await DeadLetterRepository(session).get(run_id)
        if run is None:
            raise RunNotFound(run_id)
        return run

    async def redrive(
        self, session: AsyncSession, run_ids: list[uuid.UUID]
    ) -> tuple[list[Run], AfterCommit]:
        """Make the dead runs among ``run_ids`` pending with a fresh attempt budget."""
        now = utc_now()
        runs = await DeadLetterRepository(session).redrive(list(dict.fromkeys(run_ids)), now)
        after = AfterCommit()
        threads = ThreadRepository(session)
        for run in runs:
            thread = await threads.get_any(run.thread_id)
            if thread is not None:
                thread.status, thread.updated_at = ThreadStatus.busy, now
            after.enqueue(EXECUTE_TASK, run_id=str(run.id))
        return runs, after


dead_letter = DeadLetterService()
