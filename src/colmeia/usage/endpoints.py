"""``GET /usage``: LLM usage and cost by day × user / key / assistant / model."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Query

from colmeia.auth.deps import CurrentPrincipal
from colmeia.deps import SessionDep
from colmeia.kit.time import utc_now
from colmeia.usage.schemas import GroupBy, UsageReport
from colmeia.usage.service import Scope
from colmeia.usage.service import usage as usage_service

router = APIRouter(tags=["usage"])


@router.get("/usage", response_model=UsageReport)
async def get_usage(
    principal: CurrentPrincipal,
    session: SessionDep,
    start: Annotated[date | None, Query(description="first day (UTC); default 30 days ago")] = None,
    end: Annotated[
        date | None, Query(description="last day (UTC), inclusive; default today")
    ] = None,
    group_by: Annotated[list[GroupBy] | None, Query()] = None,
    scope: Annotated[Scope | None, Query(description="own | tenant | all (admins)")] = None,
) -> UsageReport:
    today = utc_now().date()
    end = end or today
    return await usage_service.report(
        session,
        principal,
        start=start or end - timedelta(days=30),
        end=end,
        group_by=group_by or ["model"],
        scope=scope,
    )
