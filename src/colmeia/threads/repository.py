"""SQL for threads, always scoped by tenant."""

from __future__ import annotations

import uuid

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from colmeia.models import Thread, ThreadStatus


class ThreadRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, thread_id: uuid.UUID, tenant_id: uuid.UUID) -> Thread | None:
        statement = select(Thread).where(Thread.id == thread_id, Thread.tenant_id == tenant_id)
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def get_any(self, thread_id: uuid.UUID) -> Thread | None:
        """Unscoped: for id collisions and the worker, which acts for the run's tenant."""
        return await self.session.get(Thread, thread_id)

    async def add(self, thread: Thread) -> Thread:
        self.session.add(thread)
        await self.session.flush()
        return thread

    async def list(
        self,
        tenant_id: uuid.UUID,
        *,
        ids: list[uuid.UUID] | None = None,
        status: ThreadStatus | None = None,
    ) -> list[Thread]:
        statement = select(Thread).where(Thread.tenant_id == tenant_id)
        if ids is not None:
            statement = statement.where(Thread.id.in_(ids))
        if status is not None:
            statement = statement.where(Thread.status == status)
        statement = statement.order_by(Thread.created_at.desc(), Thread.id)
        return list((await self.session.execute(statement)).scalars())

    async def delete(self, thread_id: uuid.UUID) -> None:
        await self.session.execute(delete(Thread).where(Thread.id == thread_id))
