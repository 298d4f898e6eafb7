"""SQL for crons, scoped by tenant; the scheduler's claim is one conditional update."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from colmeia.models import Cron


class CronRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, cron: Cron) -> Cron:
        self.session.add(cron)
        await self.session.flush()
        return cron

    async def get(self, cron_id: uuid.UUID, tenant_id: uuid.UUID) -> Cron | None:
        statement = select(Cron).where(Cron.id == cron_id, Cron.tenant_id == tenant_id)
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def of_tenant(
        self,
        tenant_id: uuid.UUID,
        assistant_id: uuid.UUID | None = None,
        thread_id: uuid.UUID | None = None,
        enabled: bool | None = None,
    ) -> list[Cron]:
        statement = select(Cron).where(Cron.tenant_id == tenant_id)
        if assistant_id is not None:
            statement = statement.where(Cron.assistant_id == assistant_id)
        if thread_id is not None:
            statement = statement.where(Cron.thread_id == thread_id)
        if enabled is not None:
            statement = statement.where(Cron.enabled == enabled)
        statement = statement.order_by(Cron.created_at.desc(), Cron.id)
        return list((await self.session.execute(statement)).scalars())

    async def delete(self, cron: Cron) -> None:
        await self.session.delete(cron)

    async def due(self, now: datetime, limit: int) -> list[Cron]:
        """Enabled crons whose next run is due and whose end is not past, earliest first."""
        statement = (
            select(Cron)
            .where(
                Cron.enabled.is_(True),
                Cron.next_run_date <= now,
                or_(Cron.end_time.is_(None), Cron.end_time > now),
            )
            .order_by(Cron.next_run_date)
            .limit(limit)
        )
        return list((await self.session.execute(statement)).scalars())

    async def claim(self, cron: Cron, following: datetime) -> bool:
        """Move ``cron`` to its ``following`` run if no other replica has moved it since it
        was read: the one that does creates this occurrence's run, in the same transaction."""
        statement = (
            update(Cron)
            .where(Cron.id == cron.id, Cron.next_run_date == cron.next_run_date)
            .values(next_run_date=following)
            .execution_options(synchronize_session=False)
        )
        result = await self.session.execute(statement)
        return bool(result.rowcount)  # type: ignore[attr-defined]
