"""Assistant rules: defaults per graph, tenant scoping, a version snapshot on every change."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from colmeia.assistants.errors import (
    AssistantExists,
    AssistantNotFound,
    DefaultAssistantReadOnly,
    GraphNotFound,
)
from colmeia.assistants.repository import AssistantRepository
from colmeia.assistants.schemas import AssistantCreate, AssistantSearch, AssistantUpdate
from colmeia.auth.principal import Principal
from colmeia.db import Sessionmaker, unit_of_work
from colmeia.kit.matching import contains
from colmeia.kit.pagination import page
from colmeia.kit.time import utc_now
from colmeia.models import Assistant, AssistantVersion

DEFAULT_NAMESPACE = uuid.UUID("6ba7b821-9dad-11d1-80b4-00c04fd430c8")


def default_assistant_id(graph_id: str) -> uuid.UUID:
    """The well-known id of a graph's default assistant (stable across restarts and replicas)."""
    return uuid.uuid5(DEFAULT_NAMESPACE, graph_id)


def _snapshot(assistant: Assistant) -> AssistantVersion:
    return AssistantVersion(
        assistant_id=assistant.id,
        version=assistant.version,
        graph_id=assistant.graph_id,
        name=assistant.name,
        description=assistant.description,
        config=assistant.config,
        context=assistant.context,
        metadata_=assistant.metadata_,
    )


class AssistantService:
    async def ensure_defaults(self, sessionmaker: Sessionmaker, graph_ids: list[str]) -> None:
        """Create each graph's default assistant once; replicas racing here are harmless."""
        for graph_id in graph_ids:
            try:
                async with unit_of_work(sessionmaker) as session:
                    repository = AssistantRepository(session)
                    if await repository.get_any(default_assistant_id(graph_id)) is None:
                        assistant = Assistant(
                            id=default_assistant_id(graph_id),
                            tenant_id=None,
                            graph_id=graph_id,
                            name=graph_id,
                            metadata_={"created_by": "system"},
                        )
                        await repository.add(assistant)
                        await repository.add_version(_snapshot(assistant))
            except IntegrityError:
                continue  # another process created it first

    def resolve_id(self, reference: str, graph_ids: set[str] | None = None) -> uuid.UUID:
        """An assistant id from a UUID or, as LangGraph Server allows, a graph id."""
        try:
            return uuid.UUID(reference)
        except ValueError:
            if graph_ids is not None and reference not in graph_ids:
                raise AssistantNotFound(reference) from None
            return default_assistant_id(reference)

    async def get(
        self, session: AsyncSession, principal: Principal, assistant_id: uuid.UUID
    ) -> Assistant:
        """The assistant if the caller may see it, else `AssistantNotFound`."""
        found = await AssistantRepository(session).get_visible(assistant_id, principal.tenant_id)
        if found is None:
            raise AssistantNotFound(assistant_id)
        return found

    async def _owned(
        self, session: AsyncSession, principal: Principal, assistant_id: uuid.UUID
    ) -> Assistant:
        assistant = await self.get(session, principal, assistant_id)
        if assistant.tenant_id is None:
            raise DefaultAssistantReadOnly(assistant_id)
        return assistant

    async def create(
        self,
        session: AsyncSession,
        principal: Principal,
        body: AssistantCreate,
        graph_ids: set[str],
    ) -> Assistant:
        """A new assistant for a registered graph (``if_exists`` as the protocol defines it)."""
        if body.graph_id not in graph_ids:
            raise GraphNotFound(body.graph_id)
        repository = AssistantRepository(session)
        if body.assistant_id is not None:
            existing = await repository.get_any(body.assistant_id)
            if existing is not None:
                if body.if_exists == "do_nothing" and existing.tenant_id == principal.tenant_id:
                    return existing
                raise AssistantExists(body.assistant_id)
        assistant = Assistant(
            id=body.assistant_id or uuid.uuid4(),
            tenant_id=principal.tenant_id,
            graph_id=body.graph_id,
            name=body.name or body.graph_id,
            description=body.description,
            config=body.config,
            context=body.context,
            metadata_=body.metadata,
        )
        await repository.add(assistant)
        await repository.add_version(_snapshot(assistant))
        return assistant

    async def update(
        self,
        session: AsyncSession,
        principal: Principal,
        assistant_id: uuid.UUID,
        body: AssistantUpdate,
        graph_ids: set[str],
    ) -> Assistant:
        """Apply the given fields and record them as a new version."""
        assistant = await self._owned(session, principal, assistant_id)
        if body.graph_id is not None and body.graph_id not in graph_ids:
            raise GraphNotFound(body.graph_id)
        latest = max([v.version for v in await AssistantRepository(session).versions(assistant.id)])
        assistant.version = latest + 1
        assistant.graph_id = body.graph_id or assistant.graph_id
        assistant.config = body.config if body.config is not None else assistant.config
        assistant.context = body.context if body.context is not None else assistant.context
        if body.metadata is not None:
            assistant.metadata_ = {**assistant.metadata_, **body.metadata}
        assistant.name = body.name or assistant.name
        if body.description is not None:
            assistant.description = body.description
        assistant.updated_at = utc_now()
        await AssistantRepository(session).add_version(_snapshot(assistant))
        return assistant

    async def delete(
        self, session: AsyncSession, principal: Principal, assistant_id: uuid.UUID
    ) -> None:
        assistant = await self._owned(session, principal, assistant_id)
        await AssistantRepository(session).delete(assistant.id)

    async def search(
        self, session: AsyncSession, principal: Principal, body: AssistantSearch
    ) -> tuple[list[Assistant], int | None]:
        """One page of visible assistants matching the filters, and the next offset."""
        found = await self._matching(session, principal, body.graph_id, body.name, body.metadata)
        if body.sort_by is not None:
            key = "id" if body.sort_by == "assistant_id" else body.sort_by
            found.sort(key=lambda a: getattr(a, key), reverse=body.sort_order != "asc")
        return page(found, body.limit, body.offset)

    async def count(
        self,
        session: AsyncSession,
        principal: Principal,
        graph_id: str | None,
        name: str | None,
        metadata: dict[str, Any] | None,
    ) -> int:
        return len(await self._matching(session, principal, graph_id, name, metadata))

    async def _matching(
        self,
        session: AsyncSession,
        principal: Principal,
        graph_id: str | None,
        name: str | None,
        metadata: dict[str, Any] | None,
    ) -> list[Assistant]:
        rows = await AssistantRepository(session).list_visible(
            principal.tenant_id, graph_id=graph_id, name=name
        )
        return [row for row in rows if contains(row.metadata_, metadata or {})]

    async def versions(
        self,
        session: AsyncSession,
        principal: Principal,
        assistant_id: uuid.UUID,
        metadata: dict[str, Any] | None,
    ) -> list[AssistantVersion]:
        await self.get(session, principal, assistant_id)
        rows = await AssistantRepository(session).versions(assistant_id)
        return [row for row in rows if contains(row.metadata_, metadata or {})]

    async def set_latest(
        self, session: AsyncSession, principal: Principal, assistant_id: uuid.UUID, version: int
    ) -> Assistant:
        """Make an earlier version current again (its fields copied back onto the assistant)."""
        assistant = await self._owned(session, principal, assistant_id)
        chosen = await AssistantRepository(session).version(assistant_id, version)
        if chosen is None:
            raise AssistantNotFound(f"{assistant_id} version {version}")
        assistant.version = chosen.version
        assistant.graph_id, assistant.name = chosen.graph_id, chosen.name
        assistant.description, assistant.config = chosen.description, chosen.config
        assistant.context, assistant.metadata_ = chosen.context, chosen.metadata_
        assistant.updated_at = utc_now()
        return assistant


assistant = AssistantService()
