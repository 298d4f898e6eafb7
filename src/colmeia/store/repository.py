"""SQL for store items, always scoped by tenant; expired items are invisible."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from colmeia.models import StoreItem


class StoreRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(
        self, tenant_id: uuid.UUID, namespace: str, key: str, now: datetime
    ) -> StoreItem | None:
        statement = select(StoreItem).where(
            StoreItem.tenant_id == tenant_id,
            StoreItem.namespace == namespace,
            StoreItem.key == key,
            or_(StoreItem.expires_at.is_(None), StoreItem.expires_at > now),
        )
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def get_for_update(
        self, tenant_id: uuid.UUID, namespace: str, key: str
    ) -> StoreItem | None:
        statement = select(StoreItem).where(
            StoreItem.tenant_id == tenant_id,
            StoreItem.namespace == namespace,
            StoreItem.key == key,
        )
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def add(self, item: StoreItem) -> StoreItem:
        self.session.add(item)
        await self.session.flush()
        return item

    async def under(self, tenant_id: uuid.UUID, prefix: str, now: datetime) -> list[StoreItem]:
        """Live items whose namespace is ``prefix`` or below it (all items for ``""``)."""
        statement = select(StoreItem).where(
            StoreItem.tenant_id == tenant_id,
            or_(StoreItem.expires_at.is_(None), StoreItem.expires_at > now),
        )
        if prefix:
            statement = statement.where(
                or_(
                    StoreItem.namespace == prefix,
                    StoreItem.namespace.startswith(prefix + ".", autoescape=True),
                )
            )
        statement = statement.order_by(StoreItem.updated_at.desc(), StoreItem.key)
        return list((await self.session.execute(statement)).scalars())

    async def namespaces(self, tenant_id: uuid.UUID, now: datetime) -> list[str]:
        statement = (
            select(StoreItem.namespace)
            .where(
                StoreItem.tenant_id == tenant_id,
                or_(StoreItem.expires_at.is_(None), StoreItem.expires_at > now),
            )
            .distinct()
            .order_by(StoreItem.namespace)
        )
        return list((await self.session.execute(statement)).scalars())

    async def delete(self, tenant_id: uuid.UUID, namespace: str, key: str) -> None:
        await self.session.execute(
            delete(StoreItem).where(
                StoreItem.tenant_id == tenant_id,
                StoreItem.namespace == namespace,
                StoreItem.key == key,
            )
        )
