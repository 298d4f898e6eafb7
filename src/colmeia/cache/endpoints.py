"""Admin cache API under ``/admin/cache``: an admin acts on their own tenant's cache."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from colmeia.auth.deps import AdminPrincipal
from colmeia.cache.runtime import CacheRuntime
from colmeia.cache.schemas import (
    CachePurge,
    CachePurged,
    CacheStatsRead,
    WrongAnswerRead,
    WrongAnswerReport,
)
from colmeia.cache.service import cache_admin
from colmeia.cache.store import CacheStore

router = APIRouter(prefix="/admin/cache", tags=["cache"])


async def get_cache_runtime(request: Request) -> CacheRuntime:
    runtime: CacheRuntime = request.state.cache
    return runtime


async def get_cache_store(request: Request) -> CacheStore:
    return CacheStore(request.state.redis, (await get_cache_runtime(request)).options.prefix)


StoreDep = Annotated[CacheStore, Depends(get_cache_store)]
RuntimeDep = Annotated[CacheRuntime, Depends(get_cache_runtime)]


@router.get("/stats", response_model=CacheStatsRead)
async def stats(principal: AdminPrincipal, store: StoreDep, runtime: RuntimeDep) -> CacheStatsRead:
    if runtime.cache is not None:
        await runtime.cache.settle()  # this replica's lookups counted before they are read
    return await cache_admin.stats(store, str(principal.tenant_id), runtime.status)


@router.post("/purge", response_model=CachePurged)
async def purge(body: CachePurge, principal: AdminPrincipal, store: StoreDep) -> CachePurged:
    deleted = await cache_admin.purge(store, str(principal.tenant_id), body.tag)
    return CachePurged(deleted=deleted)


@router.post("/reports", response_model=WrongAnswerRead)
async def report(
    body: WrongAnswerReport, principal: AdminPrincipal, store: StoreDep
) -> WrongAnswerRead:
    return await cache_admin.report_wrong_answer(
        store, str(principal.tenant_id), body.entry_id, body.reason, str(principal.user_id)
    )


@router.get("/reports", response_model=list[WrongAnswerRead])
async def reports(
    principal: AdminPrincipal, store: StoreDep, limit: int = Query(default=100, ge=1, le=1000)
) -> list[WrongAnswerRead]:
    return await cache_admin.reports(store, str(principal.tenant_id), limit)
