"""Budget rules (who may spend how much), and flushing the Redis counters to the database."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession

from colmeia.budgets.lines import DIRTY_KEY, BudgetLine, parse_counter_key
from colmeia.budgets.repository import BudgetRepository, BudgetUsageRepository
from colmeia.db import Sessionmaker, unit_of_work
from colmeia.errors import Conflict, NotFound
from colmeia.kit.time import utc_now
from colmeia.models import Budget, BudgetPeriod, BudgetScope
from colmeia.users.service import user as user_service

logger = logging.getLogger("colmeia.budgets")
FLUSH_BATCH = 500


class BudgetNotFound(NotFound):
    def __init__(self, budget_id: uuid.UUID) -> None:
        super().__init__(f"budget {budget_id} does not exist")


def line_of(budget: Budget) -> BudgetLine:
    return BudgetLine(
        scope=budget.scope.value,
        subject_id=str(budget.subject_id),
        period=budget.period,
        max_tokens=budget.max_tokens,
        max_cost_micros=budget.max_cost_micros,
    )


class BudgetService:
    async def create(
        self,
        session: AsyncSession,
        *,
        tenant_id: uuid.UUID,
        scope: BudgetScope,
        subject_id: uuid.UUID,
        period: BudgetPeriod,
        max_tokens: int | None,
        max_cost_micros: int | None,
    ) -> Budget:
        """A new rule; one per (tenant, scope, subject, period)."""
        if not await user_service.tenant_exists(session, tenant_id):
            raise NotFound(f"tenant {tenant_id} does not exist")
        repository = BudgetRepository(session)
        if await repository.find(tenant_id, scope, subject_id, period) is not None:
            raise Conflict(f"a {period.value} budget for {scope.value} {subject_id} exists")
        budget = Budget(
            tenant_id=tenant_id,
            scope=scope,
            subject_id=subject_id,
            period=period,
            max_tokens=max_tokens,
            max_cost_micros=max_cost_micros,
        )
        return await repository.add(budget)

    async def search(
        self,
        session: AsyncSession,
        *,
        tenant_id: uuid.UUID | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[Budget]:
        return await BudgetRepository(session).search(
            tenant_id=tenant_id, limit=limit, offset=offset
        )

    async def delete(self, session: AsyncSession, budget_id: uuid.UUID) -> Budget:
        """Delete the rule; returns it (its tenant's processes must hear of the change)."""
        repository = BudgetRepository(session)
        budget = await repository.get(budget_id)
        if budget is None:
            raise BudgetNotFound(budget_id)
        await repository.delete(budget)
        return budget

    async def tenant_has_rules(self, session: AsyncSession, tenant_id: uuid.UUID) -> bool:
        """Whether any budget binds the tenant or anyone in it."""
        return await BudgetRepository(session).any_for_tenant(tenant_id)

    async def for_subjects(
        self,
        session: AsyncSession,
        tenant_id: uuid.UUID,
        subjects: Sequence[tuple[BudgetScope, uuid.UUID]],
    ) -> list[Budget]:
        """The tenant's budgets, and those of ``subjects`` inside the tenant."""
        wanted = [(BudgetScope.tenant, tenant_id), *subjects]
        return await BudgetRepository(session).for_subjects(tenant_id, wanted)

    async def lines_for(
        self,
        session: AsyncSession,
        tenant_id: uuid.UUID,
        subjects: Sequence[tuple[BudgetScope, uuid.UUID]],
    ) -> list[BudgetLine]:
        """The lines a call must reserve against, e.g. for its user, key, thread and run.

        The tenant's own budgets always apply; pass the other subjects the call belongs to.
        """
        budgets = await self.for_subjects(session, tenant_id, subjects)
        return [line_of(budget) for budget in budgets]

    async def flush(self, redis: Redis, sessionmaker: Sessionmaker) -> int:
        """Copy the counters touched since the last flush into ``budget_usage``.

        Any replica may run it; each batch is taken with SPOP, and values are absolute, so a
        batch lost to a crash is rewritten by the next touch. Returns the rows written.
        """
        raw: list[bytes] = await redis.spop(DIRTY_KEY, FLUSH_BATCH) or []  # type: ignore[misc]
        keys = sorted({item.decode() for item in raw})
        rows = []
        for key in keys:
            parsed = parse_counter_key(key)
            if parsed is None:
                continue
            values = await redis.hmget(key, ["t", "c"])  # type: ignore[misc]
            scope, subject, period, start = parsed
            rows.append(
                (scope, uuid.UUID(subject), period, start, int(values[0] or 0), int(values[1] or 0))
            )
        try:
            async with unit_of_work(sessionmaker) as session:
                await BudgetUsageRepository(session).upsert(rows, utc_now())
        except Exception:
            if keys:  # put them back so the next flush retries
                await redis.sadd(DIRTY_KEY, *keys)  # type: ignore[misc]
            raise
        return len(rows)


budget = BudgetService()
