"""Ledger rows for the run tests: a tenant's thread, a pending run, a claim."""

from __future__ import annotations

import uuid
from datetime import timedelta

from colmeia.db import Sessionmaker, unit_of_work
from colmeia.kit.time import utc_now
from colmeia.models import Run, Tenant, Thread
from colmeia.runs.repository import RunRepository


async def new_thread(sessionmaker: Sessionmaker) -> tuple[uuid.UUID, uuid.UUID]:
    async with unit_of_work(sessionmaker) as session:
        tenant = Tenant(name=f"t-{uuid.uuid4().hex[:8]}")
        session.add(tenant)
        await session.flush()
        thread = Thread(tenant_id=tenant.id, metadata_={}, interrupts={})
        session.add(thread)
        await session.flush()
        return tenant.id, thread.id


async def new_run(
    sessionmaker: Sessionmaker, tenant_id: uuid.UUID, thread_id: uuid.UUID
) -> uuid.UUID:
    async with unit_of_work(sessionmaker) as session:
        run = Run(tenant_id=tenant_id, thread_id=thread_id, assistant_id=uuid.uuid4(), kwargs={})
        return (await RunRepository(session).add(run)).id


async def claim(sessionmaker: Sessionmaker, run_id: uuid.UUID, owner: str) -> bool:
    now = utc_now()
    async with unit_of_work(sessionmaker) as session:
        later = now + timedelta(seconds=30)
        claimed = await RunRepository(session).claim(run_id, owner, now, later, later)
        return claimed is not None
