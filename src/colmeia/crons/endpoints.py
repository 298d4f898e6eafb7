"""Agent Protocol routes for crons (``client.crons``)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response

from colmeia.agents.deps import GraphsDep
from colmeia.auth.deps import CurrentPrincipal
from colmeia.crons.schemas import CronCount, CronCreate, CronPatch, CronRead, CronSearch
from colmeia.crons.service import cron as cron_service
from colmeia.deps import SessionDep

router = APIRouter(tags=["crons"])


@router.post("/runs/crons", response_model=CronRead)
async def create(
    body: CronCreate, principal: CurrentPrincipal, session: SessionDep, graphs: GraphsDep
) -> CronRead:
    """A cron whose every run gets a new thread (``client.crons.create``)."""
    row = await cron_service.create(session, principal, None, body, set(graphs))
    return CronRead.of(row)


@router.post("/threads/{thread_id}/runs/crons", response_model=CronRead)
async def create_for_thread(
    thread_id: uuid.UUID,
    body: CronCreate,
    principal: CurrentPrincipal,
    session: SessionDep,
    graphs: GraphsDep,
) -> CronRead:
    """A cron whose runs all go to one thread (``client.crons.create_for_thread``)."""
    row = await cron_service.create(session, principal, thread_id, body, set(graphs))
    return CronRead.of(row)


@router.post("/runs/crons/search")
async def search(
    body: CronSearch, principal: CurrentPrincipal, session: SessionDep, response: Response
) -> list[dict[str, object]]:
    rows, following = await cron_service.search(session, principal, body)
    if following is not None:
        response.headers["X-Pagination-Next"] = str(following)
    fields: set[str] | None = {str(field) for field in body.select} if body.select else None
    return [CronRead.of(row).model_dump(mode="json", include=fields) for row in rows]


@router.post("/runs/crons/count", response_model=int)
async def count(body: CronCount, principal: CurrentPrincipal, session: SessionDep) -> int:
    return await cron_service.count(session, principal, body)


@router.get("/runs/crons/{cron_id}", response_model=CronRead)
async def get(cron_id: uuid.UUID, principal: CurrentPrincipal, session: SessionDep) -> CronRead:
    return CronRead.of(await cron_service.get(session, principal, cron_id))


@router.patch("/runs/crons/{cron_id}", response_model=CronRead)
async def update(
    cron_id: uuid.UUID, body: CronPatch, principal: CurrentPrincipal, session: SessionDep
) -> CronRead:
    return CronRead.of(await cron_service.update(session, principal, cron_id, body))


@router.delete("/runs/crons/{cron_id}", status_code=204)
async def delete(cron_id: uuid.UUID, principal: CurrentPrincipal, session: SessionDep) -> Response:
    await cron_service.delete(session, principal, cron_id)
    return Response(status_code=204)
