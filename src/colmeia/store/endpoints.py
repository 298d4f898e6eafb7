"""Agent Protocol routes for the store (the one the graphs of the caller's tenant use)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from colmeia.agents.deps import GraphsDep
from colmeia.auth.deps import CurrentPrincipal
from colmeia.errors import ValidationFailed
from colmeia.store.schemas import (
    ItemPut,
    ItemRead,
    ItemRef,
    ItemSearch,
    NamespaceList,
    NamespaceSearch,
    SearchItemRead,
    SearchResult,
    labels,
)
from colmeia.store.service import store as store_service
from colmeia.store.tenant_store import TenantStore

router = APIRouter(prefix="/store", tags=["store"])


def _tenant_store(principal: CurrentPrincipal, graphs: GraphsDep) -> TenantStore:
    assert graphs.store is not None  # `serve_graphs` always opens the deployment's store
    return store_service.view(graphs.store, principal)


StoreDep = Annotated[TenantStore, Depends(_tenant_store)]


@router.put("/items", status_code=204)
async def put(body: ItemPut, store: StoreDep) -> Response:
    await store_service.put(store, body)
    return Response(status_code=204)


@router.get("/items", response_model=ItemRead | None)
async def get(
    store: StoreDep,
    key: Annotated[str, Query(min_length=1)],
    namespace: str = "",
    refresh_ttl: bool | None = None,
) -> ItemRead | None:
    """The item, or ``null`` when there is none (as LangGraph Server answers)."""
    try:
        path = labels(namespace.split(".")) if namespace else []
    except ValueError as error:
        raise ValidationFailed(str(error), details=[{"loc": ["query", "namespace"]}]) from None
    if not path:
        raise ValidationFailed("namespace is required", details=[{"loc": ["query", "namespace"]}])
    found = await store_service.get(store, path, key, refresh_ttl)
    return ItemRead.of(found) if found is not None else None


@router.delete("/items", status_code=204)
async def delete(body: ItemRef, store: StoreDep) -> Response:
    await store_service.delete(store, body.namespace, body.key)
    return Response(status_code=204)


@router.post("/items/search", response_model=SearchResult)
async def search(body: ItemSearch, store: StoreDep) -> SearchResult:
    found = await store_service.search(store, body)
    return SearchResult(items=[SearchItemRead.of_search(item) for item in found])


@router.post("/namespaces", response_model=NamespaceList)
async def namespaces(body: NamespaceSearch, store: StoreDep) -> NamespaceList:
    return NamespaceList(namespaces=await store_service.namespaces(store, body))
