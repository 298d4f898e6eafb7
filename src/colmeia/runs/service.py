"""The run lifecycle on the API side: create (with multitask rules), read, cancel, delete.

A run is committed as ``pending`` before anything is sent; the caller flushes the returned
`AfterCommit` once its unit of work commits (DESIGN §5). Workers do the rest (`executor`).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from colmeia.assistants.service import assistant as assistant_service
from colmeia.auth.principal import Principal
from colmeia.kit.time import utc_now
from colmeia.models import Assistant, Run, RunStatus, Thread, ThreadStatus
from colmeia.models.run import ACTIVE_RUN_STATUSES
from colmeia.runs.attribution import principal_kwargs
from colmeia.runs.errors import (
    IdempotencyKeyReused,
    InvalidRunTimeout,
    RunNotFound,
    RunStillActive,
    ThreadBusy,
)
from colmeia.runs.events import RunEvents
from colmeia.runs.idempotency import Idempotency
from colmeia.runs.policy import RunPolicy
from colmeia.runs.repository import RunRepository
from colmeia.runs.schemas import RunCreate, RunsCancel
from colmeia.runs.task_names import EXECUTE_TASK
from colmeia.threads.errors import ThreadNotFound
from colmeia.threads.schemas import ThreadCreate
from colmeia.threads.service import thread as thread_service
from colmeia.worker.enqueue import AfterCommit

# Any (below): run kwargs and configs are free-form JSON.


def _merge_config(assistant: Assistant, body: RunCreate) -> dict[str, Any]:
    config = {**assistant.config, **body.config}
    configurable = {
        **assistant.config.get("configurable", {}),
        **body.config.get("configurable", {}),
    }
    checkpoint_id = body.checkpoint_id or (
        body.checkpoint.checkpoint_id if body.checkpoint else None
    )
    if checkpoint_id:
        configurable["checkpoint_id"] = checkpoint_id
    config["configurable"] = configurable
    return config


def run_timeout_s(config: dict[str, Any]) -> float | None:
    """The run's own time limit, ``config.configurable.run_timeout_s`` (None: the default)."""
    value = (config.get("configurable") or {}).get("run_timeout_s")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < 1e7:
        raise InvalidRunTimeout(value)
    return float(value)


def run_kwargs(assistant: Assistant, body: RunCreate, temporary: bool) -> dict[str, Any]:
    """Everything the worker needs, frozen at creation (assistant config merged in)."""
    return {
        "graph_id": assistant.graph_id,
        "input": body.input,
        "command": body.command.model_dump(exclude_none=True) if body.command else None,
        "config": _merge_config(assistant, body),
        "context": {**assistant.context, **body.context},
        "stream_mode": body.modes(),
        "subgraphs": body.stream_subgraphs,
        "interrupt_before": body.interrupt_before,
        "interrupt_after": body.interrupt_after,
        "durability": body.durability,
        "temporary": temporary,
        "webhook": body.webhook,
    }


def _due(after_seconds: float | None) -> datetime | None:
    return utc_now() + timedelta(seconds=after_seconds) if after_seconds else None


def _new_run(
    principal: Principal,
    thread: Thread,
    assistant: Assistant,
    body: RunCreate,
    temporary: bool,
    policy: RunPolicy | None,
    idempotency: Idempotency | None,
) -> Run:
    return Run(
        tenant_id=principal.tenant_id,
        thread_id=thread.id,
        assistant_id=assistant.id,
        metadata_=body.metadata,
        kwargs={
            **run_kwargs(assistant, body, temporary and body.on_completion != "keep"),
            **principal_kwargs(principal),
        },
        multitask_strategy=body.multitask_strategy,
        max_attempts=(policy or RunPolicy()).max_attempts,
        timeout_s=run_timeout_s(body.config),
        available_at=_due(body.after_seconds),
        idempotency_key=idempotency.key if idempotency else None,
        request_hash=idempotency.request_hash if idempotency else None,
    )


class RunService:
    async def _thread(
        self, session: AsyncSession, principal: Principal, thread_id: uuid.UUID, body: RunCreate
    ) -> Thread:
        try:
            return await thread_service.get(session, principal, thread_id)
        except ThreadNotFound:
            if body.if_not_exists != "create":
                raise
        return await thread_service.create(session, principal, ThreadCreate(thread_id=thread_id))

    async def create(
        self,
        session: AsyncSession,
        principal: Principal,
        thread_id: uuid.UUID | None,
        body: RunCreate,
        graph_ids: set[str],
        events: RunEvents,
        policy: RunPolicy | None = None,
        idempotency: Idempotency | None = None,
    ) -> tuple[Run, AfterCommit]:
        """A pending run on ``thread_id`` (or on a temporary thread for a stateless run).

        With ``idempotency``, a key this tenant already used returns that run (and nothing to
        send); a concurrent duplicate fails the commit on the unique key instead, and the
        caller then calls `replay`.
        """
        if idempotency is not None:
            existing = await self.replay(session, principal, idempotency)
            if existing is not None:
                return existing, AfterCommit()
        run_timeout_s(body.config)  # refuse a bad limit before touching anything
        assistant_id = assistant_service.resolve_id(body.assistant_id, graph_ids)
        assistant = await assistant_service.get(session, principal, assistant_id)
        temporary = thread_id is None
        after = AfterCommit()
        if thread_id is None:  # a thread created here has no runs to make room among
            thread = await thread_service.create(session, principal, ThreadCreate())
        else:
            thread = await self._thread(session, principal, thread_id, body)
            await self._make_room(session, thread, body, after, events)
        run = _new_run(principal, thread, assistant, body, temporary, policy, idempotency)
        await RunRepository(session).add(run)
        thread.metadata_ = {
            **thread.metadata_,
            "graph_id": assistant.graph_id,
            "assistant_id": str(assistant.id),
        }
        thread.status, thread.updated_at = ThreadStatus.busy, utc_now()
        after.enqueue(EXECUTE_TASK, countdown=body.after_seconds, run_id=str(run.id))
        return run, after

    async def replay(
        self, session: AsyncSession, principal: Principal, idempotency: Idempotency
    ) -> Run | None:
        """The run this tenant already created under the key, if any.

        Raises:
            IdempotencyKeyReused: the key was used with a different request.
        """
        existing = await RunRepository(session).by_idempotency_key(
            principal.tenant_id, idempotency.key
        )
        if existing is not None and existing.request_hash != idempotency.request_hash:
            raise IdempotencyKeyReused(idempotency.key)
        return existing

    async def _make_room(
        self,
        session: AsyncSession,
        thread: Thread,
        body: RunCreate,
        after: AfterCommit,
        events: RunEvents,
    ) -> None:
        """Apply the multitask strategy to the thread's active runs."""
        active = await RunRepository(session).active_on_thread(thread.id)
        if not active or body.multitask_strategy == "enqueue":
            return
        if body.multitask_strategy == "reject":
            raise ThreadBusy(thread.id)
        action = "rollback" if body.multitask_strategy == "rollback" else "interrupt"
        for run in active:
            await self._stop(session, run, action, after, events)

    async def _stop(
        self, session: AsyncSession, run: Run, action: str, after: AfterCommit, events: RunEvents
    ) -> None:
        """Stop a pending run here, or ask the worker running it to stop at the next step."""
        repository, run_id = RunRepository(session), run.id
        if run.status == RunStatus.pending and await repository.stop_pending(
            run_id, RunStatus.interrupted, utc_now()
        ):
            if action == "rollback":
                await repository.delete(run_id)
            after.call(lambda: events.finish(run_id, None, RunStatus.interrupted.value))
            return
        after.call(lambda: events.request_cancel(run_id, action))

    async def get(
        self, session: AsyncSession, principal: Principal, thread_id: uuid.UUID, run_id: uuid.UUID
    ) -> Run:
        run = await RunRepository(session).get(run_id, principal.tenant_id)
        if run is None or run.thread_id != thread_id:
            raise RunNotFound(run_id)
        return run

    async def list(
        self,
        session: AsyncSession,
        principal: Principal,
        thread_id: uuid.UUID,
        status: RunStatus | None,
    ) -> list[Run]:
        await thread_service.get(session, principal, thread_id)
        return await RunRepository(session).on_thread(thread_id, principal.tenant_id, status)

    async def active(
        self, session: AsyncSession, principal: Principal, thread_id: uuid.UUID
    ) -> Sequence[Run]:
        """The caller's thread's pending and running runs, oldest first (`ThreadNotFound` for
        another tenant's thread)."""
        await thread_service.get(session, principal, thread_id)
        return await RunRepository(session).active_on_thread(thread_id)

    async def cancel(
        self,
        session: AsyncSession,
        principal: Principal,
        thread_id: uuid.UUID,
        run_id: uuid.UUID,
        action: str,
        events: RunEvents,
    ) -> AfterCommit:
        """Stop the run: at once if still pending, else cooperatively at the worker."""
        run = await self.get(session, principal, thread_id, run_id)
        return await self._cancel_all(session, principal, [run], action, events)

    async def cancel_many(
        self,
        session: AsyncSession,
        principal: Principal,
        selection: RunsCancel,
        action: str,
        events: RunEvents,
    ) -> AfterCommit:
        """Stop the selected runs (all found, or `RunNotFound` and none stopped)."""
        if selection.status is not None:
            statuses = (
                ACTIVE_RUN_STATUSES if selection.status == "all" else (RunStatus(selection.status),)
            )
            runs = await RunRepository(session).of_tenant(principal.tenant_id, statuses)
        else:
            assert selection.thread_id is not None  # RunsCancel requires it without a status
            runs = [
                await self.get(session, principal, selection.thread_id, run_id)
                for run_id in dict.fromkeys(selection.run_ids)
            ]
        return await self._cancel_all(session, principal, runs, action, events)

    async def _cancel_all(
        self,
        session: AsyncSession,
        principal: Principal,
        runs: Sequence[Run],
        action: str,
        events: RunEvents,
    ) -> AfterCommit:
        after = AfterCommit()
        for run in runs:
            if run.status in ACTIVE_RUN_STATUSES:
                await self._stop(session, run, action, after, events)
        for thread_id in dict.fromkeys(run.thread_id for run in runs):
            if not await RunRepository(session).active_on_thread(thread_id):
                thread = await thread_service.get(session, principal, thread_id)
                thread.status, thread.updated_at = ThreadStatus.idle, utc_now()
        return after

    async def delete(
        self, session: AsyncSession, principal: Principal, thread_id: uuid.UUID, run_id: uuid.UUID
    ) -> None:
        run = await self.get(session, principal, thread_id, run_id)
        if run.status in (RunStatus.pending, RunStatus.running):
            raise RunStillActive(run_id)
        await RunRepository(session).delete(run.id)


run = RunService()
