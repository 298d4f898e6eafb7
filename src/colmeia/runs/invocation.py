"""How a run is handed to its graph: the config LangGraph gets and the input it starts from.

Everything comes from the ledger row, so every attempt of a run (a retry, a recovery after a
lost worker) invokes the graph the same way and resumes the same thread.
"""

from __future__ import annotations

from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.types import Command

from colmeia.llm.callbacks import RunAccounting
from colmeia.models import Run
from colmeia.runs.attribution import call_context

# Any (below): graph input and config values are user-defined.


def run_config(run: Run, accounting: RunAccounting | None = None) -> RunnableConfig:
    kwargs = run.kwargs
    config: dict[str, Any] = dict(kwargs.get("config") or {})
    configurable = dict(config.get("configurable") or {})
    configurable.update(
        thread_id=str(run.thread_id),
        run_id=str(run.id),
        assistant_id=str(run.assistant_id),
        graph_id=kwargs["graph_id"],
        tenant_id=str(run.tenant_id),  # set by the server: graphs partition their store by it
    )
    config["configurable"] = configurable
    config["metadata"] = {
        **(config.get("metadata") or {}),
        **run.metadata_,
        "run_id": str(run.id),
        "thread_id": str(run.thread_id),
        "assistant_id": str(run.assistant_id),
        "graph_id": kwargs["graph_id"],
        "run_attempt": run.attempt,
    }
    if accounting is not None:
        config["callbacks"] = accounting.callbacks(call_context(run))
    return config  # type: ignore[return-value]


def graph_input(run: Run) -> Any:
    command = run.kwargs.get("command")
    if command:
        return Command(
            resume=command.get("resume"),
            update=command.get("update"),
            goto=command.get("goto") or (),
        )
    return run.kwargs.get("input")


def thread_only(config: RunnableConfig) -> RunnableConfig:
    return {"configurable": {"thread_id": config["configurable"]["thread_id"]}}
