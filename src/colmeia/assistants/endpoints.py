"""Agent Protocol routes for assistants."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from colmeia.agents.deps import GraphsDep
from colmeia.agents.introspection import graph_drawing, graph_schemas
from colmeia.assistants.schemas import (
    AssistantCount,
    AssistantCreate,
    AssistantRead,
    AssistantSearch,
    AssistantUpdate,
    AssistantVersionRead,
    SetLatest,
    VersionSearch,
)
from colmeia.assistants.service import assistant as assistant_service
from colmeia.auth.deps import CurrentPrincipal
from colmeia.deps import SessionDep

router = APIRouter(prefix="/assistants", tags=["assistants"])


@router.post("", response_model=AssistantRead)
async def create(
    body: AssistantCreate, principal: CurrentPrincipal, session: SessionDep, graphs: GraphsDep
) -> AssistantRead:
    row = await assistant_service.create(session, principal, body, set(graphs))
    return AssistantRead.of(row)


@router.post("/search", response_model=list[AssistantRead])
async def search(
    body: AssistantSearch, principal: CurrentPrincipal, session: SessionDep, response: Response
) -> list[AssistantRead]:
    rows, following = await assistant_service.search(session, principal, body)
    if following is not None:
        response.headers["X-Pagination-Next"] = str(following)
    return [AssistantRead.of(row) for row in rows]


@router.post("/count", response_model=int)
async def count(body: AssistantCount, principal: CurrentPrincipal, session: SessionDep) -> int:
    return await assistant_service.count(
        session, principal, body.graph_id, body.name, body.metadata
    )


@router.get("/{assistant_id}", response_model=AssistantRead)
async def get(
    assistant_id: str, principal: CurrentPrincipal, session: SessionDep, graphs: GraphsDep
) -> AssistantRead:
    resolved = assistant_service.resolve_id(assistant_id, set(graphs))
    return AssistantRead.of(await assistant_service.get(session, principal, resolved))


@router.patch("/{assistant_id}", response_model=AssistantRead)
async def update(
    assistant_id: str,
    body: AssistantUpdate,
    principal: CurrentPrincipal,
    session: SessionDep,
    graphs: GraphsDep,
) -> AssistantRead:
    resolved = assistant_service.resolve_id(assistant_id, set(graphs))
    row = await assistant_service.update(session, principal, resolved, body, set(graphs))
    return AssistantRead.of(row)


@router.delete("/{assistant_id}", status_code=204)
async def delete(
    assistant_id: str, principal: CurrentPrincipal, session: SessionDep, graphs: GraphsDep
) -> Response:
    resolved = assistant_service.resolve_id(assistant_id, set(graphs))
    await assistant_service.delete(session, principal, resolved)
    return Response(status_code=204)


@router.post("/{assistant_id}/versions", response_model=list[AssistantVersionRead])
async def versions(
    assistant_id: str,
    body: VersionSearch,
    principal: CurrentPrincipal,
    session: SessionDep,
    graphs: GraphsDep,
) -> list[AssistantVersionRead]:
    resolved = assistant_service.resolve_id(assistant_id, set(graphs))
    rows = await assistant_service.versions(session, principal, resolved, body.metadata)
    return [AssistantVersionRead.of(row) for row in rows[body.offset : body.offset + body.limit]]


@router.post("/{assistant_id}/latest", response_model=AssistantRead)
async def set_latest(
    assistant_id: str,
    body: SetLatest,
    principal: CurrentPrincipal,
    session: SessionDep,
    graphs: GraphsDep,
) -> AssistantRead:
    resolved = assistant_service.resolve_id(assistant_id, set(graphs))
    row = await assistant_service.set_latest(session, principal, resolved, body.version)
    return AssistantRead.of(row)


@router.get("/{assistant_id}/graph")
async def graph(
    assistant_id: str,
    principal: CurrentPrincipal,
    session: SessionDep,
    graphs: GraphsDep,
    xray: int | bool = False,
) -> dict[str, Any]:
    # Any: the drawing is free-form JSON.
    resolved = assistant_service.resolve_id(assistant_id, set(graphs))
    row = await assistant_service.get(session, principal, resolved)
    compiled = await graphs.get(row.graph_id, dict(row.config))  # type: ignore[arg-type]
    return graph_drawing(compiled, xray)


@router.get("/{assistant_id}/schemas")
async def schemas(
    assistant_id: str, principal: CurrentPrincipal, session: SessionDep, graphs: GraphsDep
) -> dict[str, Any]:
    # Any: JSON schema documents.
    resolved = assistant_service.resolve_id(assistant_id, set(graphs))
    row = await assistant_service.get(session, principal, resolved)
    compiled = await graphs.get(row.graph_id, dict(row.config))  # type: ignore[arg-type]
    return graph_schemas(row.graph_id, compiled)
