"""A graph with no LLM call: what a run costs the queue and the ledger, and nothing else.

``{"sleep_s": s}`` makes its one node wait ``s`` seconds (the worker-kill recovery probe needs a
run that is still going when the worker dies).
"""

from __future__ import annotations

import asyncio
from typing import TypedDict

from langgraph.graph import END, START, StateGraph


class NoopState(TypedDict, total=False):
    sleep_s: float
    done: bool


async def work(state: NoopState) -> NoopState:
    if state.get("sleep_s"):
        await asyncio.sleep(state["sleep_s"])
    return {"done": True}


builder = StateGraph(NoopState)
builder.add_node("work", work)
builder.add_edge(START, "work")
builder.add_edge("work", END)
graph = builder.compile()
