"""The usage report: who may see which rows, and the sums in dollars."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from colmeia.auth.principal import Principal
from colmeia.errors import BadRequest, Forbidden
from colmeia.llm.prices import NANOS_PER_USD
from colmeia.usage.repository import UsageRepository
from colmeia.usage.schemas import GroupBy, UsageReport, UsageRow, UsageTotals

Scope = Literal["all", "tenant", "own"]
MAX_RANGE = timedelta(days=366)


class UsageService:
    async def report(
        self,
        session: AsyncSession,
        principal: Principal,
        *,
        start: date,
        end: date,
        group_by: Sequence[GroupBy],
        scope: Scope | None,
    ) -> UsageReport:
        """Usage per day × ``group_by``. A user sees their own calls; an admin sees their
        tenant (``scope=tenant``, the default for admins) or every tenant (``scope=all``)."""
        if end < start or end - start > MAX_RANGE:
            raise BadRequest("the range must have start ≤ end and span at most 366 days")
        scope = scope or ("tenant" if principal.is_admin else "own")
        if scope != "own" and not principal.is_admin:
            raise Forbidden("only admins see usage beyond their own")
        rows = await UsageRepository(session).grouped(
            start=start,
            end=end,
            group_by=list(dict.fromkeys(group_by)),
            tenant_id=None if scope == "all" else principal.tenant_id,
            user_id=principal.user_id if scope == "own" else None,
        )
        report_rows = [_row(row) for row in rows]
        return UsageReport(
            start=start,
            end=end,
            group_by=list(dict.fromkeys(group_by)),
            scope=scope,
            rows=report_rows,
            totals=_totals(report_rows),
        )


def _row(row: dict[str, object]) -> UsageRow:
    cost = int(str(row.pop("cost_nusd") or 0))
    saved = int(str(row.pop("saved_nusd") or 0))
    return UsageRow.model_validate(
        {**row, "cost_usd": cost / NANOS_PER_USD, "saved_usd": saved / NANOS_PER_USD}
    )


def _totals(rows: list[UsageRow]) -> UsageTotals:
    totals = UsageTotals()
    for row in rows:
        totals.calls += row.calls
        totals.cache_hits += row.cache_hits
        totals.input_tokens += row.input_tokens
        totals.output_tokens += row.output_tokens
        totals.cost_usd += row.cost_usd
        totals.saved_usd += row.saved_usd
    return totals


usage = UsageService()
