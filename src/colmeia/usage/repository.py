"""SQL for usage rows: batched inserts and the grouped sums the usage API shows."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from colmeia.llm.usage import UsageRecord
from colmeia.models import LLMCall

GROUP_COLUMNS = {
    "user": LLMCall.user_id,
    "key": LLMCall.key_id,
    "assistant": LLMCall.assistant_id,
    "model": LLMCall.model,
    "tenant": LLMCall.tenant_id,
}


class UsageRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add_many(self, records: Sequence[UsageRecord]) -> None:
        await self.session.execute(insert(LLMCall), [_row(record) for record in records])

    async def grouped(
        self,
        *,
        start: date,
        end: date,
        group_by: Sequence[str],
        tenant_id: uuid.UUID | None,
        user_id: uuid.UUID | None,
    ) -> list[dict[str, Any]]:
        """Sums per day × the ``group_by`` dimensions, within [start, end], optionally scoped.

        Returns one dict per group (Any: values are dates, uuids, strings and numbers)."""
        keys = [LLMCall.day, *(GROUP_COLUMNS[name].label(name) for name in group_by)]
        statement = (
            select(
                *keys,
                func.count(LLMCall.id).label("calls"),
                func.sum(LLMCall.input_tokens).label("input_tokens"),
                func.sum(LLMCall.output_tokens).label("output_tokens"),
                func.sum(LLMCall.cached_tokens).label("cached_tokens"),
                func.sum(LLMCall.cost_nusd).label("cost_nusd"),
                func.sum(LLMCall.saved_nusd).label("saved_nusd"),
                func.count(LLMCall.id).filter(LLMCall.cache_hit.is_(True)).label("cache_hits"),
            )
            .where(LLMCall.day >= start, LLMCall.day <= end)
            .group_by(*keys)
            .order_by(*keys)
        )
        if tenant_id is not None:
            statement = statement.where(LLMCall.tenant_id == tenant_id)
        if user_id is not None:
            statement = statement.where(LLMCall.user_id == user_id)
        return [dict(row._mapping) for row in await self.session.execute(statement)]


def _row(record: UsageRecord) -> dict[str, object]:
    context = record.context
    return {
        "id": record.call_id,
        "created_at": record.created_at,
        "day": record.created_at.date(),
        "tenant_id": context.tenant_id,
        "user_id": context.user_id,
        "key_id": context.key_id,
        "assistant_id": context.assistant_id,
        "thread_id": context.thread_id,
        "run_id": context.run_id,
        "node": context.node,
        "requested_model": record.requested_model[:200],
        "model": record.model[:200],
        "attempts": record.attempts,
        "input_tokens": record.tokens.input,
        "output_tokens": record.tokens.output,
        "cached_tokens": record.tokens.cached_input,
        "cost_nusd": record.cost_nusd,
        "saved_nusd": record.saved_nusd,
        "cache_hit": record.cache_hit,
        "estimated": record.estimated,
        "price_known": record.price_known,
        "latency_ms": record.latency_ms,
    }
