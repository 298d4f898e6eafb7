"""``GET /runs/{run_id}/trace``: the span tree of a run, from the caller's tenant only."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from colmeia.auth.deps import CurrentPrincipal
from colmeia.deps import SessionDep
from colmeia.traces.schemas import TraceRead
from colmeia.traces.service import trace as trace_service

router = APIRouter(tags=["traces"])


@router.get("/runs/{run_id}/trace", response_model=TraceRead)
async def get(run_id: uuid.UUID, principal: CurrentPrincipal, session: SessionDep) -> TraceRead:
    return await trace_service.for_run(session, principal.tenant_id, run_id)
