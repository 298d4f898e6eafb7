"""The chaos suite's graph: every step and every side effect leaves a row in the database.

``plan → agent → tools → report``. Each node first records its entry (run, node, attempt, pid)
in ``chaos_node_entries``, which has no unique constraint: re-entries are what the suite
counts. The ``agent`` node asks the simulated LLM, which always calls ``apply_effect``; the
tool applies its effect once per idempotency key (run id + tool call id) and appends a row to
``chaos_world`` only when the effect really happened — so a second row for a key is a
duplicated side effect, whatever the ledger's unique constraint allowed.

Input knobs: ``step_s`` (seconds each node spends "working") and ``hold_at`` (a node at which
the run's first attempt parks until its worker is killed: a kill at a chosen step).
"""

from __future__ import annotations

import asyncio
import operator
import os
from typing import Annotated, Any

import psycopg
from langchain_core.messages import AnyMessage
from langchain_core.runnables import RunnableConfig
from langchain_core.tools import InjectedToolCallId, tool
from langchain_openai import ChatOpenAI
from langgraph.graph import END, START, StateGraph
from langgraph.graph.message import add_messages
from langgraph.prebuilt import ToolNode
from typing_extensions import TypedDict

from colmeia.agents.checkpointer import postgres_conninfo

HOLD_S = 3600.0  # parked "forever": only a kill ends a held attempt
NODES = ("plan", "agent", "tools", "report")


class LedgerState(TypedDict, total=False):
    messages: Annotated[list[AnyMessage], add_messages]
    visits: Annotated[list[str], operator.add]
    """``node@attempt`` per completed (checkpointed) node: a node twice here ran twice."""
    step_s: float
    hold_at: str


def _conninfo() -> str:
    conninfo = postgres_conninfo(os.environ["COLMEIA_DATABASE__URL"])
    assert conninfo is not None, "the chaos suite runs on PostgreSQL"
    return conninfo


def _attempt(config: RunnableConfig) -> int:
    return int((config.get("metadata") or {}).get("run_attempt", 0))


def _run_id(config: RunnableConfig) -> str:
    return str(config["configurable"]["run_id"])


async def _enter(node: str, config: RunnableConfig) -> None:
    async with await psycopg.AsyncConnection.connect(_conninfo(), autocommit=True) as connection:
        await connection.execute(
            "INSERT INTO chaos_node_entries (run_id, node, attempt, pid) VALUES (%s, %s, %s, %s)",
            (_run_id(config), node, _attempt(config), os.getpid()),
        )


async def record_effect(key: str, run_id: str, attempt: int) -> bool:
    """Apply the side effect for ``key`` unless it was applied before; True when applied now.

    The one place that knows how effects are made idempotent (swap for the runs' effects
    helper): the ledger row and the "world" row commit together, so the world row exists
    exactly when the ledger says the effect happened.
    """
    async with await psycopg.AsyncConnection.connect(_conninfo()) as connection:
        async with connection.transaction():
            inserted = await connection.execute(
                "INSERT INTO chaos_effects (idempotency_key, run_id) VALUES (%s, %s) "
                "ON CONFLICT (idempotency_key) DO NOTHING RETURNING idempotency_key",
                (key, run_id),
            )
            if await inserted.fetchone() is None:
                return False
            await connection.execute(
                "INSERT INTO chaos_world (idempotency_key, run_id, attempt) VALUES (%s, %s, %s)",
                (key, run_id, attempt),
            )
    return True


@tool
async def apply_effect(
    note: str, tool_call_id: Annotated[str, InjectedToolCallId], config: RunnableConfig
) -> str:
    """Apply the effect: write the note to the external ledger."""
    applied = await record_effect(f"{_run_id(config)}:{tool_call_id}", _run_id(config), _attempt(config))
    return "applied" if applied else "already applied"


async def _work(node: str, state: LedgerState, config: RunnableConfig) -> None:
    await asyncio.sleep(state.get("step_s", 0.0))
    if state.get("hold_at") == node and _attempt(config) == 1:
        await asyncio.sleep(HOLD_S)


def _visit(node: str, config: RunnableConfig) -> list[str]:
    return [f"{node}@{_attempt(config)}"]


async def plan(state: LedgerState, config: RunnableConfig) -> dict[str, Any]:
    await _enter("plan", config)
    await _work("plan", state, config)
    return {"visits": _visit("plan", config)}


async def agent(state: LedgerState, config: RunnableConfig) -> dict[str, Any]:
    await _enter("agent", config)
    model = ChatOpenAI(model="gpt-4o-mini", api_key=os.environ.get("OPENAI_API_KEY", "unset"))
    reply = await model.bind_tools([apply_effect], tool_choice="apply_effect").ainvoke(
        state["messages"], config
    )
    await _work("agent", state, config)
    return {"messages": [reply], "visits": _visit("agent", config)}


_tool_node = ToolNode([apply_effect])


async def tools(state: LedgerState, config: RunnableConfig) -> dict[str, Any]:
    await _enter("tools", config)
    result = await _tool_node.ainvoke(state, config)
    await _work("tools", state, config)  # a hold here parks after the effect: the re-entry repeats it
    return {**result, "visits": _visit("tools", config)}


async def report(state: LedgerState, config: RunnableConfig) -> dict[str, Any]:
    await _enter("report", config)
    await _work("report", state, config)
    return {"visits": _visit("report", config)}


builder = StateGraph(LedgerState)
builder.add_node("plan", plan)
builder.add_node("agent", agent)
builder.add_node("tools", tools)
builder.add_node("report", report)
builder.add_edge(START, "plan")
builder.add_edge("plan", "agent")
builder.add_edge("agent", "tools")
builder.add_edge("tools", "report")
builder.add_edge("report", END)
graph = builder.compile()
