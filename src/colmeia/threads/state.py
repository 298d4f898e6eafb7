"""Thread state through the LangGraph checkpointer: read, update, history and copy.

The checkpointer is keyed by the thread's id; ownership is checked on the thread row first,
so another tenant's thread never reaches these functions.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.types import StateSnapshot

from colmeia.agents.checkpointer import Checkpointer
from colmeia.agents.registry import Graph
from colmeia.kit.jsonable import jsonable

# Any (below): state values and checkpoint metadata are free-form JSON.


def thread_config(
    thread_id: str, checkpoint_id: str | None = None, checkpoint_ns: str = ""
) -> RunnableConfig:
    configurable: dict[str, Any] = {"thread_id": thread_id, "checkpoint_ns": checkpoint_ns}
    if checkpoint_id:
        configurable["checkpoint_id"] = checkpoint_id
    return {"configurable": configurable}


def checkpoint_ref(config: RunnableConfig | None) -> dict[str, Any] | None:
    if not config:
        return None
    configurable = config.get("configurable", {})
    return {
        "thread_id": configurable.get("thread_id"),
        "checkpoint_ns": configurable.get("checkpoint_ns", ""),
        "checkpoint_id": configurable.get("checkpoint_id"),
        "checkpoint_map": configurable.get("checkpoint_map"),
    }


def _interrupts(items: Any) -> list[dict[str, Any]]:
    return [jsonable(item) for item in items or ()]


def _task(task: Any) -> dict[str, Any]:
    state = task.state
    return {
        "id": task.id,
        "name": task.name,
        "error": str(task.error) if task.error else None,
        "interrupts": _interrupts(task.interrupts),
        "checkpoint": checkpoint_ref(state) if isinstance(state, dict) else None,  # type: ignore[arg-type]
        "state": snapshot_json(state) if isinstance(state, StateSnapshot) else None,
        "result": jsonable(getattr(task, "result", None)),
    }


def snapshot_json(snapshot: StateSnapshot) -> dict[str, Any]:
    """A ``StateSnapshot`` as the protocol's ThreadState."""
    checkpoint = checkpoint_ref(snapshot.config)
    parent = checkpoint_ref(snapshot.parent_config)
    return {
        "values": jsonable(snapshot.values),
        "next": list(snapshot.next),
        "tasks": [_task(task) for task in snapshot.tasks],
        "metadata": jsonable(snapshot.metadata or {}),
        "created_at": snapshot.created_at,
        "checkpoint": checkpoint,
        "parent_checkpoint": parent,
        "interrupts": _interrupts(snapshot.interrupts),
        "checkpoint_id": checkpoint["checkpoint_id"] if checkpoint else None,
        "parent_checkpoint_id": parent["checkpoint_id"] if parent else None,
    }


def empty_state(thread_id: str) -> dict[str, Any]:
    """The state of a thread that has never run (no graph, no checkpoint)."""
    return {
        "values": {},
        "next": [],
        "tasks": [],
        "metadata": {},
        "created_at": None,
        "checkpoint": {
            "thread_id": thread_id,
            "checkpoint_ns": "",
            "checkpoint_id": None,
            "checkpoint_map": None,
        },
        "parent_checkpoint": None,
        "interrupts": [],
        "checkpoint_id": None,
        "parent_checkpoint_id": None,
    }


async def get_state(graph: Graph, config: RunnableConfig, subgraphs: bool) -> dict[str, Any]:
    return snapshot_json(await graph.aget_state(config, subgraphs=subgraphs))


async def history(
    graph: Graph,
    config: RunnableConfig,
    *,
    limit: int,
    before: RunnableConfig | None,
    metadata: dict[str, Any] | None,
) -> list[dict[str, Any]]:
    found = graph.aget_state_history(config, limit=limit, before=before, filter=metadata)
    return [snapshot_json(snapshot) async for snapshot in found]


async def update_state(
    graph: Graph, config: RunnableConfig, values: Any, as_node: str | None
) -> dict[str, Any]:
    """Write ``values`` as if ``as_node`` produced them; returns the new checkpoint."""
    written = await graph.aupdate_state(config, values, as_node=as_node)
    return {"checkpoint": checkpoint_ref(written)}


async def copy_checkpoints(checkpointer: Checkpointer, source: str, target: str) -> None:
    """Every checkpoint and pending write of ``source`` re-written under ``target``, oldest first
    (the bundled SQLite and Postgres savers do not implement ``acopy_thread``)."""
    tuples = [item async for item in checkpointer.alist({"configurable": {"thread_id": source}})]
    for item in reversed(tuples):
        configurable = item.config["configurable"]
        namespace = configurable.get("checkpoint_ns", "")
        parent_id = (item.parent_config or {}).get("configurable", {}).get("checkpoint_id")
        stored = await checkpointer.aput(
            thread_config(target, parent_id, namespace),
            item.checkpoint,
            item.metadata,
            item.checkpoint["channel_versions"],
        )
        writes: dict[str, list[tuple[str, Any]]] = defaultdict(list)
        for task_id, channel, value in item.pending_writes or []:
            writes[task_id].append((channel, value))
        for task_id, task_writes in writes.items():
            await checkpointer.aput_writes(stored, task_writes, task_id)
