"""``/admin/dead-letters``: runs that used up their attempts, across tenants, admins only."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request

from colmeia.auth.deps import AdminPrincipal
from colmeia.db import unit_of_work
from colmeia.deps import SessionDep, get_sessionmaker
from colmeia.runs.dead_letters.schemas import (
    DeadLetterPage,
    DeadLetterRead,
    RedriveRequest,
    RedriveResult,
)
from colmeia.runs.dead_letters.service import dead_letter as dead_letter_service
from colmeia.runs.deps import JobQueueDep

router = APIRouter(prefix="/admin/dead-letters", tags=["admin"])


@router.get("", response_model=DeadLetterPage)
async def list_dead_letters(
    _: AdminPrincipal,
    session: SessionDep,
    tenant_id: uuid.UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> DeadLetterPage:
    runs, total = await dead_letter_service.page(session, tenant_id, limit, offset)
    following = offset + limit
    return DeadLetterPage(
        items=[DeadLetterRead.of(run) for run in runs],
        total=total,
        next_offset=following if following < total else None,
    )


@router.get("/{run_id}", response_model=DeadLetterRead)
async def get(run_id: uuid.UUID, _: AdminPrincipal, session: SessionDep) -> DeadLetterRead:
    return DeadLetterRead.of(await dead_letter_service.get(session, run_id))


async def _redrive(request: Request, queue: JobQueueDep, run_ids: list[uuid.UUID]) -> RedriveResult:
    async with unit_of_work(get_sessionmaker(request)) as session:
        runs, after = await dead_letter_service.redrive(session, run_ids)
    await after.flush(queue)  # enqueue after commit
    redriven = [run.id for run in runs]
    return RedriveResult(
        redriven=redriven, skipped=[run_id for run_id in run_ids if run_id not in set(redriven)]
    )


@router.post("/redrive", response_model=RedriveResult)
async def redrive_many(
    body: RedriveRequest, request: Request, _: AdminPrincipal, queue: JobQueueDep
) -> RedriveResult:
    return await _redrive(request, queue, body.run_ids)


@router.post("/{run_id}/redrive", response_model=RedriveResult)
async def redrive(
    run_id: uuid.UUID, request: Request, _: AdminPrincipal, queue: JobQueueDep
) -> RedriveResult:
    result = await _redrive(request, queue, [run_id])
    if not result.redriven:
        await _must_exist(request, run_id)
    return result


async def _must_exist(request: Request, run_id: uuid.UUID) -> None:
    """A single re-drive of something that is not a dead run answers 404."""
    async with unit_of_work(get_sessionmaker(request)) as session:
        await dead_letter_service.get(session, run_id)
