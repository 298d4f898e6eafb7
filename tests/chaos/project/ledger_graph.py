"""The chaos suite's graph: every step and every side effect leaves a row in the database.

``plan → agent → tools → report``. Each node first records its entry (run, node, attempt, pid)
in ``chaos_node_entries``, which has no unique constraint: re-entries are what the suite
counts. The ``agent`` node asks the simulated LLM, which always calls ``apply_effect``; the
tool performs its effect through `colmeia.runs.effects.once` under the key run id + tool call
id (``run_effects``, unique). The effect is a call to a "remote system" that, like the
payment APIs ``once`` is designed for, honours the key (``chaos_world``: one row per key) and
logs every call it receives (``chaos_effect_calls``): a call after the effect was recorded is
a duplicate the ledger failed to prevent.

Writes go through the worker's own database pool (the effects ledger's sessionmaker), so the
graph holds no connections or state of its own.

Input knobs: ``step_s`` (seconds each node spends "working") and ``hold_at`` (a node at which
the run's first attempt parks until its worker is killed: a kill at a chosen step).
"""

from __future__ import annotations

import asyncio
import operator
import os
from typing import Annotated, Any

from langchain_core.messages import AnyMessage
from langchain_core.runnables import RunnableConfig
from langchain_core.tools import InjectedToolCallId, tool
from langchain_openai import ChatOpenAI
from langgraph.graph import END, START, StateGraph
from langgraph.graph.message import add_messages
from langgraph.prebuilt import ToolNode
from sqlalchemy import text
from typing_extensions import TypedDict

from colmeia.db import unit_of_work
from colmeia.runs.effects import EFFECTS_KEY, EffectLedger, once

HOLD_S = 3600.0  # parked "forever": only a kill ends a held attempt
NODES = ("plan", "agent", "tools", "report")


class LedgerState(TypedDict, total=False):
    messages: Annotated[list[AnyMessage], add_messages]
    visits: Annotated[list[str], operator.add]
    """``node@attempt`` per completed (checkpointed) node: a node twice here ran twice."""
    step_s: float
    hold_at: str


def _attempt(config: RunnableConfig) -> int:
    return int((config.get("metadata") or {}).get("run_attempt", 0))


def _run_id(config: RunnableConfig) -> str:
    return str(config["configurable"]["run_id"])


async def _write(config: RunnableConfig, statement: str, values: dict[str, Any]) -> None:
    """One committed write on the worker's own database pool (the one effects use)."""
    effects: EffectLedger = config["configurable"][EFFECTS_KEY]
    async with unit_of_work(effects.sessionmaker) as session:
        await session.execute(text(statement), values)


async def _enter(node: str, config: RunnableConfig) -> None:
    await _write(
        config,
        "INSERT INTO chaos_node_entries (run_id, node, attempt, pid) "
        "VALUES (:run_id, :node, :attempt, :pid)",
        {"run_id": _run_id(config), "node": node, "attempt": _attempt(config), "pid": os.getpid()},
    )


@tool
async def apply_effect(
    note: str, tool_call_id: Annotated[str, InjectedToolCallId], config: RunnableConfig
) -> str:
    """Apply the effect: write the note to the external ledger."""

    async def call_remote(key: str) -> str:
        # The "remote system" honours the key (as effects.once asks of real APIs) and logs
        # every call it receives, so a repeat the ledger should have prevented is visible.
        await _write(
            config,
            "WITH call AS (INSERT INTO chaos_effect_calls (idempotency_key, run_id, attempt, pid)"
            " VALUES (:key, :run_id, :attempt, :pid)) "
            "INSERT INTO chaos_world (idempotency_key, run_id) VALUES (:key, :run_id) "
            "ON CONFLICT (idempotency_key) DO NOTHING",
            {
                "key": key,
                "run_id": _run_id(config),
                "attempt": _attempt(config),
                "pid": os.getpid(),
            },
        )
        return f"applied: {note}"

    return await once(config, tool_call_id, call_remote)


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
    # A hold here parks after the effect, so the re-entry calls the tool again.
    await _work("tools", state, config)
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
