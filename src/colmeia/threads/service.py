"""Thread rules: tenant scoping, metadata, search, and state through the graph's checkpointer."""

from __future__ import annotations

import uuid
from typing import Any

from langchain_core.runnables import RunnableConfig
from sqlalchemy.ext.asyncio import AsyncSession

from colmeia.agents.registry import Graph, GraphRegistry
from colmeia.auth.principal import Principal
from colmeia.errors import BadRequest
from colmeia.kit.matching import contains
from colmeia.kit.pagination import page
from colmeia.kit.time import utc_now
from colmeia.models import Thread, ThreadStatus
from colmeia.threads import state as thread_state
from colmeia.threads.errors import ThreadExists, ThreadNotFound
from colmeia.threads.repository import ThreadRepository
from colmeia.threads.schemas import HistorySearch, StateUpdate, ThreadCreate, ThreadSearch

# Any (below): metadata, values and state are free-form JSON.


class ThreadService:
    async def create(
        self, session: AsyncSession, principal: Principal, body: ThreadCreate
    ) -> Thread:
        """A new thread (``if_exists`` as the protocol defines it)."""
        repository = ThreadRepository(session)
        if body.thread_id is not None:
            existing = await repository.get_any(body.thread_id)
            if existing is not None:
                if body.if_exists == "do_nothing" and existing.tenant_id == principal.tenant_id:
                    return existing
                raise ThreadExists(body.thread_id)
        thread = Thread(
            id=body.thread_id or uuid.uuid4(),
            tenant_id=principal.tenant_id,
            metadata_=body.metadata,
            interrupts={},
        )
        return await repository.add(thread)

    async def get(
        self, session: AsyncSession, principal: Principal, thread_id: uuid.UUID
    ) -> Thread:
        """The caller's thread, else `ThreadNotFound` (also for another tenant's id)."""
        thread = await ThreadRepository(session).get(thread_id, principal.tenant_id)
        if thread is None:
            raise ThreadNotFound(thread_id)
        return thread

    async def patch(
        self,
        session: AsyncSession,
        principal: Principal,
        thread_id: uuid.UUID,
        metadata: dict[str, Any],
    ) -> Thread:
        thread = await self.get(session, principal, thread_id)
        thread.metadata_ = {**thread.metadata_, **metadata}
        thread.updated_at = utc_now()
        return thread

    async def delete(
        self,
        session: AsyncSession,
        principal: Principal,
        thread_id: uuid.UUID,
        graphs: GraphRegistry,
    ) -> None:
        """Remove the thread, its runs and its checkpoints."""
        await self.get(session, principal, thread_id)
        await ThreadRepository(session).delete(thread_id)
        await graphs.checkpointer.adelete_thread(str(thread_id))

    async def search(
        self, session: AsyncSession, principal: Principal, body: ThreadSearch
    ) -> tuple[list[Thread], int | None]:
        found = await self.matching(
            session, principal, body.metadata, body.values, body.status, body.ids
        )
        if body.sort_by is not None:
            key = "id" if body.sort_by == "thread_id" else body.sort_by
            found.sort(key=lambda t: str(getattr(t, key)), reverse=body.sort_order != "asc")
        return page(found, body.limit, body.offset)

    async def matching(
        self,
        session: AsyncSession,
        principal: Principal,
        metadata: dict[str, Any] | None,
        values: dict[str, Any] | None,
        status: str | None,
        ids: list[uuid.UUID] | None = None,
    ) -> list[Thread]:
        rows = await ThreadRepository(session).list(
            principal.tenant_id, ids=ids, status=ThreadStatus(status) if status else None
        )
        return [
            row
            for row in rows
            if contains(row.metadata_, metadata or {}) and contains(row.values or {}, values or {})
        ]

    async def copy(
        self,
        session: AsyncSession,
        principal: Principal,
        thread_id: uuid.UUID,
        graphs: GraphRegistry,
    ) -> Thread:
        """A new thread with the same metadata and every checkpoint of the source."""
        source = await self.get(session, principal, thread_id)
        target = Thread(
            tenant_id=principal.tenant_id,
            metadata_=dict(source.metadata_),
            values=source.values,
            interrupts=source.interrupts,
            status=source.status if source.status != ThreadStatus.busy else ThreadStatus.idle,
        )
        await ThreadRepository(session).add(target)
        await thread_state.copy_checkpoints(graphs.checkpointer, str(source.id), str(target.id))
        return target

    async def _graph(self, thread: Thread, graphs: GraphRegistry) -> Graph | None:
        graph_id = thread.metadata_.get("graph_id")
        if not isinstance(graph_id, str) or graph_id not in graphs:
            return None
        return await graphs.get(graph_id, {"configurable": {"thread_id": str(thread.id)}})

    async def get_state(
        self,
        session: AsyncSession,
        principal: Principal,
        thread_id: uuid.UUID,
        graphs: GraphRegistry,
        *,
        checkpoint_id: str | None = None,
        checkpoint_ns: str = "",
        subgraphs: bool = False,
    ) -> dict[str, Any]:
        """The thread's current state (or at a checkpoint), as the protocol's ThreadState."""
        thread = await self.get(session, principal, thread_id)
        graph = await self._graph(thread, graphs)
        if graph is None:
            return thread_state.empty_state(str(thread.id))
        config = thread_state.thread_config(str(thread.id), checkpoint_id, checkpoint_ns)
        return await thread_state.get_state(graph, config, subgraphs)

    async def history(
        self,
        session: AsyncSession,
        principal: Principal,
        thread_id: uuid.UUID,
        graphs: GraphRegistry,
        body: HistorySearch,
    ) -> list[dict[str, Any]]:
        thread = await self.get(session, principal, thread_id)
        graph = await self._graph(thread, graphs)
        if graph is None:
            return []
        checkpoint = body.checkpoint
        config = thread_state.thread_config(
            str(thread.id),
            checkpoint.checkpoint_id if checkpoint else None,
            checkpoint.checkpoint_ns if checkpoint else "",
        )
        before_id = body.before if isinstance(body.before, str) else None
        if body.before is not None and not isinstance(body.before, str):
            before_id = body.before.checkpoint_id
        before: RunnableConfig | None = (
            thread_state.thread_config(str(thread.id), before_id) if before_id else None
        )
        return await thread_state.history(
            graph, config, limit=body.limit, before=before, metadata=body.metadata
        )

    async def update_state(
        self,
        session: AsyncSession,
        principal: Principal,
        thread_id: uuid.UUID,
        graphs: GraphRegistry,
        body: StateUpdate,
    ) -> dict[str, Any]:
        """Write values into the thread's state; the cached values follow."""
        thread = await self.get(session, principal, thread_id)
        graph = await self._graph(thread, graphs)
        if graph is None:
            raise BadRequest(
                f"thread {thread_id} has no graph yet: run it once, or create it with a graph_id"
            )
        checkpoint_id = body.checkpoint_id or (
            body.checkpoint.checkpoint_id if body.checkpoint else None
        )
        config = thread_state.thread_config(str(thread.id), checkpoint_id)
        written = await thread_state.update_state(graph, config, body.values, body.as_node)
        latest = await graph.aget_state(thread_state.thread_config(str(thread.id)))
        thread.values = thread_state.snapshot_json(latest)["values"]
        thread.updated_at = utc_now()
        return written


thread = ThreadService()
