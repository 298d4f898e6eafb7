"""SQL for budget rules and the flushed usage rows."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, tuple_
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from colmeia.models import Budget, BudgetScope, BudgetUsage


class BudgetRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, budget: Budget) -> Budget:
        self.session.add(budget)
        await self.session.flush()
        return budget

    async def get(self, budget_id: uuid.UUID) -> Budget | None:
        return await self.session.get(Budget, budget_id)

    async def find(
        self, tenant_id: uuid.UUID, scope: BudgetScope, subject_id: uuid.UUID, period: str
    ) -> Budget | None:
        statement = select(Budget).where(
            Budget.tenant_id == tenant_id,
            Budget.scope == scope,
            Budget.subject_id == subject_id,
            Budget.period == period,
        )
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def search(self, *, tenant_id: uuid.UUID | None, limit: int, offset: int) -> list[Budget]:
        statement = select(Budget).order_by(Budget.created_at, Budget.id).limit(limit)
        if tenant_id is not None:
            statement = statement.where(Budget.tenant_id == tenant_id)
        return list((await self.session.execute(statement.offset(offset))).scalars())

    async def for_subjects(
        self, tenant_id: uuid.UUID, subjects: Sequence[tuple[BudgetScope, uuid.UUID]]
    ) -> list[Budget]:
        """Every budget of this tenant that applies to one of ``subjects``."""
        if not subjects:
            return []
        statement = select(Budget).where(
            Budget.tenant_id == tenant_id,
            tuple_(Budget.scope, Budget.subject_id).in_(list(subjects)),
        )
        return list((await self.session.execute(statement)).scalars())

    async def any_for_tenant(self, tenant_id: uuid.UUID) -> bool:
        statement = select(Budget.id).where(Budget.tenant_id == tenant_id).limit(1)
        return (await self.session.execute(statement)).first() is not None

    async def delete(self, budget: Budget) -> None:
        await self.session.delete(budget)
        await self.session.flush()


class BudgetUsageRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def upsert(
        self,
        rows: Sequence[tuple[str, uuid.UUID, str, datetime, int, int]],
        now: datetime,
    ) -> None:
        """Write absolute counter values (idempotent: replaying a flush changes nothing)."""
        if not rows:
            return
        dialect = self.session.bind.dialect.name if self.session.bind else "sqlite"
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        values = [
            {
                "id": uuid.uuid4(),
                "created_at": now,
                "updated_at": now,
                "scope": scope,
                "subject_id": subject_id,
                "period": period,
                "period_start": start,
                "tokens": tokens,
                "cost_micros": cost,
            }
            for scope, subject_id, period, start, tokens, cost in rows
        ]
        statement = insert(BudgetUsage).values(values)
        statement = statement.on_conflict_do_update(
            index_elements=["scope", "subject_id", "period", "period_start"],
            set_={
                "tokens": statement.excluded.tokens,
                "cost_micros": statement.excluded.cost_micros,
                "updated_at": statement.excluded.updated_at,
            },
        )
        await self.session.execute(statement)

    async def get(
        self, scope: str, subject_id: uuid.UUID, period: str, start: datetime
    ) -> BudgetUsage | None:
        statement = select(BudgetUsage).where(
            BudgetUsage.scope == scope,
            BudgetUsage.subject_id == subject_id,
            BudgetUsage.period == period,
            BudgetUsage.period_start == start,
        )
        return (await self.session.execute(statement)).scalar_one_or_none()
