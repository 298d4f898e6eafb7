"""SQL for dead runs. Re-driving is a conditional update, so two admins cannot re-drive twice."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Select, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from colmeia.models import Run, RunStatus


class DeadLetterRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @staticmethod
    def _dead(tenant_id: uuid.UUID | None) -> Select[Run]:
        statement = select(Run).where(Run.status == RunStatus.dead)
        if tenant_id is not None:
            statement = statement.where(Run.tenant_id == tenant_id)
        return statement

    async def page(self, tenant_id: uuid.UUID | None, limit: int, offset: int) -> list[Run]:
        statement = (
            self._dead(tenant_id).order_by(Run.dead_at.desc(), Run.id).limit(limit).offset(offset)
        )
        return list((await self.session.execute(statement)).scalars())

    async def count(self, tenant_id: uuid.UUID | None) -> int:
        counted = select(func.count()).select_from(self._dead(tenant_id).subquery())
        return int((await self.session.execute(counted)).scalar_one())

    async def get(self, run_id: uuid.UUID) -> Run | None:
        statement = self._dead(None).where(Run.id == run_id)
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def redrive(self, run_ids: list[uuid.UUID], now: datetime) -> list[Run]:
        """dead → pending with a fresh attempt budget, due now. Returns the runs re-driven
        (ids that are not dead, or not any more, are skipped)."""
        statement = (
            update(Run)
            .where(Run.id.in_(run_ids), Run.status == RunStatus.dead)
            .values(
                status=RunStatus.pending,
                attempt=0,
                dead_at=None,
                ended_at=None,
                available_at=now,
                updated_at=now,
            )
            .returning(Run)
            .execution_options(synchronize_session=False)
        )
        return list((await self.session.execute(statement)).scalars())
