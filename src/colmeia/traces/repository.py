"""SQL for stored spans; every query is filtered by tenant."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from colmeia.models.span import Span

MAX_SPANS = 5_000


class SpanRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def trace_ids_for_run(self, tenant_id: uuid.UUID, run_id: uuid.UUID) -> list[str]:
        statement = (
            select(Span.trace_id)
            .where(Span.tenant_id == tenant_id, Span.run_id == run_id)
            .distinct()
        )
        return list((await self.session.scalars(statement)).all())

    async def spans_of_traces(
        self, tenant_id: uuid.UUID, trace_ids: Sequence[str]
    ) -> Sequence[Span]:
        statement = (
            select(Span)
            .where(Span.tenant_id == tenant_id, Span.trace_id.in_(trace_ids))
            .order_by(Span.start_at)
            .limit(MAX_SPANS)
        )
        return (await self.session.scalars(statement)).all()
