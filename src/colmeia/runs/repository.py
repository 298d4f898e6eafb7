"""SQL for the run ledger. Claims and finishes are conditional updates: the fencing token."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import and_, delete, exists, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from colmeia.models import Run, RunStatus
from colmeia.models.run import ACTIVE_RUN_STATUSES


class RunRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, run: Run) -> Run:
        self.session.add(run)
        await self.session.flush()
        return run

    async def get(self, run_id: uuid.UUID, tenant_id: uuid.UUID) -> Run | None:
        statement = select(Run).where(Run.id == run_id, Run.tenant_id == tenant_id)
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def get_any(self, run_id: uuid.UUID) -> Run | None:
        """Unscoped: the worker acts for whichever tenant owns the run."""
        return await self.session.get(Run, run_id, populate_existing=True)

    async def on_thread(
        self, thread_id: uuid.UUID, tenant_id: uuid.UUID, status: RunStatus | None
    ) -> list[Run]:
        statement = select(Run).where(Run.thread_id == thread_id, Run.tenant_id == tenant_id)
        if status is not None:
            statement = statement.where(Run.status == status)
        statement = statement.order_by(Run.created_at.desc(), Run.id)
        return list((await self.session.execute(statement)).scalars())

    async def active_on_thread(self, thread_id: uuid.UUID) -> list[Run]:
        statement = (
            select(Run)
            .where(Run.thread_id == thread_id, Run.status.in_(ACTIVE_RUN_STATUSES))
            .order_by(Run.created_at)
        )
        return list((await self.session.execute(statement)).scalars())

    async def next_pending(self, thread_id: uuid.UUID) -> Run | None:
        statement = (
            select(Run)
            .where(Run.thread_id == thread_id, Run.status == RunStatus.pending)
            .order_by(Run.created_at, Run.id)
            .limit(1)
        )
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def claim(
        self, run_id: uuid.UUID, owner: str, now: datetime, lease_until: datetime
    ) -> Run | None:
        """pending → running, attempt + 1, when no other run of the thread is running and no
        older one is waiting (so ``enqueue`` keeps order). Returns the claimed row (one round
        trip: ``RETURNING``), or None: someone else has it."""
        other = aliased(Run)
        blocked = exists().where(
            other.thread_id == Run.thread_id,
            other.id != Run.id,
            or_(
                other.status == RunStatus.running,
                and_(other.status == RunStatus.pending, other.created_at < Run.created_at),
            ),
        )
        statement = (
            update(Run)
            .where(Run.id == run_id, Run.status == RunStatus.pending, ~blocked)
            .values(
                status=RunStatus.running,
                attempt=Run.attempt + 1,
                lease_owner=owner,
                lease_expires_at=lease_until,
                started_at=now,
                updated_at=now,
            )
            .returning(Run)
            .execution_options(synchronize_session=False, populate_existing=True)
        )
        return (await self.session.scalars(statement)).one_or_none()

    async def renew(self, run_id: uuid.UUID, attempt: int, lease_until: datetime) -> bool:
        statement = (
            update(Run)
            .where(Run.id == run_id, Run.attempt == attempt, Run.status == RunStatus.running)
            .values(lease_expires_at=lease_until)
            .execution_options(synchronize_session=False)
        )
        return bool((await self.session.execute(statement)).rowcount)  # type: ignore[attr-defined]

    async def finish(
        self,
        run_id: uuid.UUID,
        attempt: int,
        status: RunStatus,
        error: str | None,
        now: datetime,
    ) -> bool:
        """running → a terminal status, only for the attempt that holds the claim."""
        statement = (
            update(Run)
            .where(Run.id == run_id, Run.attempt == attempt, Run.status == RunStatus.running)
            .values(
                status=status,
                error=error,
                lease_owner=None,
                lease_expires_at=None,
                ended_at=now,
                updated_at=now,
            )
            .execution_options(synchronize_session=False)
        )
        return bool((await self.session.execute(statement)).rowcount)  # type: ignore[attr-defined]

    async def stop_pending(self, run_id: uuid.UUID, status: RunStatus, now: datetime) -> bool:
        """pending → ``status`` for a run no worker has claimed yet."""
        statement = (
            update(Run)
            .where(Run.id == run_id, Run.status == RunStatus.pending)
            .values(status=status, ended_at=now, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        return bool((await self.session.execute(statement)).rowcount)  # type: ignore[attr-defined]

    async def delete(self, run_id: uuid.UUID) -> None:
        await self.session.execute(delete(Run).where(Run.id == run_id))
