"""Agent Protocol routes for the store."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from colmeia.auth.deps import CurrentPrincipal
from colmeia.deps import SessionDep
from colmeia.errors import ValidationFailed
from colmeia.store.schemas import (
    ItemPut,
    ItemRead,
    ItemRef,
    ItemSearch,
    NamespaceList,
    NamespaceSearch,
    SearchResult,
)
from colmeia.store.service import store as store_service

router = APIRouter(prefix="/store", tags=["store"])


@router.put("/items", status_code=204)
async def put(body: ItemPut, principal: CurrentPrincipal, session: SessionDep) -> Response:
    await store_service.put(session, principal, body)
    return Response(status_code=204)


@router.get("/items", response_model=ItemRead | None)
async def get(
    principal: CurrentPrincipal,
    session: SessionDep,
    key: Annotated[str, Query(min_length=1)],
    namespace: str = "",
) -> ItemRead | None:
    """The item, or ``null`` when there is none (as LangGraph Server answers)."""
    labels = namespace.split(".") if namespace else []
    if not labels:
        raise ValidationFailed("namespace is required", details=[{"loc": ["query", "namespace"]}])
    found = await store_service.get(session, principal, labels, key)
    return ItemRead.of(found) if found is not None else None


@router.delete("/items", status_code=204)
async def delete(body: ItemRef, principal: CurrentPrincipal, session: SessionDep) -> Response:
    await store_service.delete(session, principal, body.namespace, body.key)
    return Response(status_code=204)


@router.post("/items/search", response_model=SearchResult)
async def search(
    body: ItemSearch, principal: CurrentPrincipal, session: SessionDep
) -> SearchResult:
    rows = await store_service.search(session, principal, body)
    return SearchResult(items=[ItemRead.of(row) for row in rows])


@router.post("/namespaces", response_model=NamespaceList)
async def namespaces(
    body: NamespaceSearch, principal: CurrentPrincipal, session: SessionDep
) -> NamespaceList:
    return NamespaceList(namespaces=await store_service.namespaces(session, principal, body))
