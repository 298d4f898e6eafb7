"""Agent Protocol routes for threads and their state."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Response

from colmeia.agents.deps import GraphsDep
from colmeia.auth.deps import CurrentPrincipal
from colmeia.deps import SessionDep
from colmeia.threads.schemas import (
    HistorySearch,
    StateAtCheckpoint,
    StateUpdate,
    ThreadCount,
    ThreadCreate,
    ThreadPatch,
    ThreadRead,
    ThreadSearch,
)
from colmeia.threads.service import thread as thread_service

router = APIRouter(prefix="/threads", tags=["threads"])

# Any (below): thread state is free-form JSON.


@router.post("", response_model=ThreadRead)
async def create(
    body: ThreadCreate, principal: CurrentPrincipal, session: SessionDep
) -> ThreadRead:
    return ThreadRead.of(await thread_service.create(session, principal, body))


@router.post("/search", response_model=list[ThreadRead])
async def search(
    body: ThreadSearch, principal: CurrentPrincipal, session: SessionDep, response: Response
) -> list[ThreadRead]:
    rows, following = await thread_service.search(session, principal, body)
    if following is not None:
        response.headers["X-Pagination-Next"] = str(following)
    return [ThreadRead.of(row) for row in rows]


@router.post("/count", response_model=int)
async def count(body: ThreadCount, principal: CurrentPrincipal, session: SessionDep) -> int:
    found = await thread_service.matching(
        session, principal, body.metadata, body.values, body.status
    )
    return len(found)


@router.get("/{thread_id}", response_model=ThreadRead)
async def get(thread_id: uuid.UUID, principal: CurrentPrincipal, session: SessionDep) -> ThreadRead:
    return ThreadRead.of(await thread_service.get(session, principal, thread_id))


@router.patch("/{thread_id}", response_model=ThreadRead)
async def patch(
    thread_id: uuid.UUID, body: ThreadPatch, principal: CurrentPrincipal, session: SessionDep
) -> ThreadRead:
    row = await thread_service.patch(session, principal, thread_id, body.metadata)
    return ThreadRead.of(row)


@router.delete("/{thread_id}", status_code=204)
async def delete(
    thread_id: uuid.UUID, principal: CurrentPrincipal, session: SessionDep, graphs: GraphsDep
) -> Response:
    await thread_service.delete(session, principal, thread_id, graphs)
    return Response(status_code=204)


@router.post("/{thread_id}/copy", response_model=ThreadRead)
async def copy(
    thread_id: uuid.UUID, principal: CurrentPrincipal, session: SessionDep, graphs: GraphsDep
) -> ThreadRead:
    return ThreadRead.of(await thread_service.copy(session, principal, thread_id, graphs))


@router.get("/{thread_id}/state")
async def get_state(
    thread_id: uuid.UUID,
    principal: CurrentPrincipal,
    session: SessionDep,
    graphs: GraphsDep,
    subgraphs: bool = False,
) -> dict[str, Any]:
    return await thread_service.get_state(
        session, principal, thread_id, graphs, subgraphs=subgraphs
    )


@router.post("/{thread_id}/state")
async def update_state(
    thread_id: uuid.UUID,
    body: StateUpdate,
    principal: CurrentPrincipal,
    session: SessionDep,
    graphs: GraphsDep,
) -> dict[str, Any]:
    return await thread_service.update_state(session, principal, thread_id, graphs, body)


@router.post("/{thread_id}/state/checkpoint")
async def get_state_at(
    thread_id: uuid.UUID,
    body: StateAtCheckpoint,
    principal: CurrentPrincipal,
    session: SessionDep,
    graphs: GraphsDep,
) -> dict[str, Any]:
    return await thread_service.get_state(
        session,
        principal,
        thread_id,
        graphs,
        checkpoint_id=body.checkpoint.checkpoint_id,
        checkpoint_ns=body.checkpoint.checkpoint_ns,
        subgraphs=body.subgraphs,
    )


@router.get("/{thread_id}/state/{checkpoint_id}")
async def get_state_by_id(
    thread_id: uuid.UUID,
    checkpoint_id: str,
    principal: CurrentPrincipal,
    session: SessionDep,
    graphs: GraphsDep,
    subgraphs: bool = False,
) -> dict[str, Any]:
    return await thread_service.get_state(
        session, principal, thread_id, graphs, checkpoint_id=checkpoint_id, subgraphs=subgraphs
    )


@router.post("/{thread_id}/history")
async def history(
    thread_id: uuid.UUID,
    body: HistorySearch,
    principal: CurrentPrincipal,
    session: SessionDep,
    graphs: GraphsDep,
) -> list[dict[str, Any]]:
    return await thread_service.history(session, principal, thread_id, graphs, body)
