"""SQL for assistants. Every read is scoped: a tenant sees its own rows and the defaults."""

from __future__ import annotations

import uuid

from sqlalchemy import ColumnElement, delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from colmeia.models import Assistant, AssistantVersion


class AssistantRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def _visible(self, tenant_id: uuid.UUID) -> ColumnElement[bool]:
        return or_(Assistant.tenant_id == tenant_id, Assistant.tenant_id.is_(None))

    async def get_visible(self, assistant_id: uuid.UUID, tenant_id: uuid.UUID) -> Assistant | None:
        statement = select(Assistant).where(Assistant.id == assistant_id, self._visible(tenant_id))
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def get_any(self, assistant_id: uuid.UUID) -> Assistant | None:
        """Unscoped, for id collisions and the system defaults; never shown to a caller."""
        return await self.session.get(Assistant, assistant_id)

    async def list_visible(
        self, tenant_id: uuid.UUID, *, graph_id: str | None, name: str | None
    ) -> list[Assistant]:
        statement = select(Assistant).where(self._visible(tenant_id))
        if graph_id is not None:
            statement = statement.where(Assistant.graph_id == graph_id)
        if name is not None:
            statement = statement.where(Assistant.name.contains(name, autoescape=True))
        statement = statement.order_by(Assistant.created_at.desc(), Assistant.id)
        return list((await self.session.execute(statement)).scalars())

    async def add(self, assistant: Assistant) -> Assistant:
        self.session.add(assistant)
        await self.session.flush()
        return assistant

    async def add_version(self, version: AssistantVersion) -> None:
        self.session.add(version)
        await self.session.flush()

    async def versions(self, assistant_id: uuid.UUID) -> list[AssistantVersion]:
        statement = (
            select(AssistantVersion)
            .where(AssistantVersion.assistant_id == assistant_id)
            .order_by(AssistantVersion.version.desc())
        )
        return list((await self.session.execute(statement)).scalars())

    async def version(self, assistant_id: uuid.UUID, version: int) -> AssistantVersion | None:
        statement = select(AssistantVersion).where(
            AssistantVersion.assistant_id == assistant_id, AssistantVersion.version == version
        )
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def delete(self, assistant_id: uuid.UUID) -> None:
        await self.session.execute(delete(Assistant).where(Assistant.id == assistant_id))
