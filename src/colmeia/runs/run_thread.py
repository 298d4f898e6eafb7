"""What a finished run does to its thread: status, cached values, interrupts, or a rollback."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import case, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from colmeia.agents.registry import GraphRegistry
from colmeia.kit.jsonable import jsonable
from colmeia.kit.time import utc_now
from colmeia.models import Run, RunStatus, Thread, ThreadStatus
from colmeia.threads.state import thread_config

THREAD_STATUS = {
    RunStatus.success: ThreadStatus.idle,
    RunStatus.interrupted: ThreadStatus.idle,
    RunStatus.error: ThreadStatus.error,
    RunStatus.timeout: ThreadStatus.error,
    RunStatus.dead: ThreadStatus.error,
}

_NEXT_PENDING = (
    select(Run.id).where(Run.status == RunStatus.pending).order_by(Run.created_at, Run.id).limit(1)
)
"""The oldest waiting run (of a thread, once a condition names it): the one to send next."""

# Any (below): state values are user-defined JSON.


async def settle_thread(
    session: AsyncSession, run: Run, status: RunStatus, output: Any, paused: bool
) -> uuid.UUID | None:
    """Cache the run's final values on the thread and set its status (busy while another
    run waits). Returns the thread's next waiting run, for the caller to send on.

    One statement: it runs once per finished run, and loading the thread to change it cost a
    worker two more round trips and an ORM flush."""
    settled = THREAD_STATUS.get(status, ThreadStatus.idle)
    if paused and settled == ThreadStatus.idle:
        settled = ThreadStatus.interrupted  # waiting at an interrupt or a breakpoint
    interrupts = output.get("__interrupt__") if isinstance(output, dict) else None
    changes: dict[str, Any] = {
        "interrupts": {"__root__": interrupts} if interrupts else {},
        "updated_at": utc_now(),
    }
    if isinstance(output, dict) and "__error__" not in output:
        changes["values"] = {k: v for k, v in output.items() if k != "__interrupt__"}
    following = _NEXT_PENDING.where(Run.thread_id == run.thread_id).scalar_subquery()
    statement = (
        update(Thread)
        .where(Thread.id == run.thread_id)
        .values(status=case((following.is_not(None), ThreadStatus.busy), else_=settled), **changes)
        .returning(following)
        .execution_options(synchronize_session=False)
    )
    row = (await session.execute(statement)).first()
    return row[0] if row is not None else None  # None as well when the thread is gone


async def rollback_thread(graphs: GraphRegistry, run: Run) -> Any:
    """Put the thread's state back to where it was before ``run``: the latest state becomes a
    copy of the checkpoint the run started from (the run's own checkpoints stay in the
    history). Returns the values the thread has afterwards."""
    thread_id = str(run.thread_id)
    graph = await graphs.get(run.kwargs["graph_id"], {"configurable": {"thread_id": thread_id}})
    written = [
        snapshot
        async for snapshot in graph.aget_state_history(
            thread_config(thread_id), filter={"run_id": str(run.id)}
        )
    ]
    if not written:
        return jsonable((await graph.aget_state(thread_config(thread_id))).values)
    before = written[-1].parent_config
    checkpoint_id = (before or {}).get("configurable", {}).get("checkpoint_id")
    if not checkpoint_id:
        await graphs.checkpointer.adelete_thread(thread_id)
        return {}
    await graph.aupdate_state(thread_config(thread_id, checkpoint_id), None, as_node="__copy__")
    return jsonable((await graph.aget_state(thread_config(thread_id))).values)
