"""Moving items that earlier versions kept elsewhere into the tenant-scoped store, once.

Before the `/store` API and the graphs shared one store, the API kept its items in the
``store_items`` table and the built-in memory specialist wrote ``("memories", <tenant>, <user>)``
at the root of the graph store. The API process moves both at start-up so an upgrade loses
nothing. Each step is idempotent (a put replaces, the source is deleted after), so replicas
starting together or a start-up killed half-way only repeat work.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from langgraph.store.base import BaseStore
from sqlalchemy import delete, select

from colmeia.db import Sessionmaker, unit_of_work
from colmeia.kit.time import utc_now
from colmeia.models import StoreItem, Tenant
from colmeia.store.tenant_store import TenantStore

logger = logging.getLogger("colmeia.store")
BATCH = 500


async def adopt_legacy_items(sessionmaker: Sessionmaker, store: BaseStore) -> int:
    """Move every legacy item into its tenant's part of ``store``; returns how many moved."""
    moved = await _adopt_table(sessionmaker, store)
    moved += await _adopt_memories(sessionmaker, store)
    if moved:
        logger.info("moved %s store items of an earlier version into the tenant store", moved)
    return moved


async def _adopt_table(sessionmaker: Sessionmaker, store: BaseStore) -> int:
    moved = 0
    while True:
        async with unit_of_work(sessionmaker) as session:
            rows = list((await session.scalars(select(StoreItem).limit(BATCH))).all())
            if not rows:
                return moved
            now = utc_now()
            for row in rows:
                if row.expires_at is not None and row.expires_at <= now:
                    continue  # expired: it was already invisible
                minutes = (row.expires_at - now) / timedelta(minutes=1) if row.expires_at else None
                view = TenantStore(store, str(row.tenant_id))
                await view.aput(tuple(row.namespace.split(".")), row.key, row.value, ttl=minutes)
                moved += 1
            await session.execute(delete(StoreItem).where(StoreItem.id.in_([r.id for r in rows])))


async def _adopt_memories(sessionmaker: Sessionmaker, store: BaseStore) -> int:
    """``("memories", <tenant>, <user>)`` → ``("memories", <user>)`` in the tenant's part; only
    where the middle label is a tenant of this deployment (or ``local``, the old default), so
    a user graph's own ``memories`` namespace is left alone."""
    async with unit_of_work(sessionmaker) as session:
        tenants = {str(tenant_id) for tenant_id in await session.scalars(select(Tenant.id))}
    tenants.add("local")
    moved = 0
    for namespace in await store.alist_namespaces(prefix=("memories",), limit=10_000):
        if len(namespace) != 3 or namespace[1] not in tenants:
            continue
        _, tenant, user = namespace
        view = TenantStore(store, tenant)
        while items := await store.asearch(namespace, limit=BATCH):
            for item in items:
                await view.aput(("memories", user), item.key, item.value)
                await store.adelete(namespace, item.key)
                moved += 1
    return moved
