"""A graph that never ends on its own: one short step after another (for time limits)."""

from __future__ import annotations

import asyncio

from langgraph.graph import START, StateGraph
from typing_extensions import TypedDict


class LoopState(TypedDict, total=False):
    delay: float
    count: int


async def tick(state: LoopState) -> dict[str, int]:
    await asyncio.sleep(state.get("delay", 0.1))
    return {"count": state.get("count", 0) + 1}


builder = StateGraph(LoopState)
builder.add_node("tick", tick)
builder.add_edge(START, "tick")
builder.add_edge("tick", "tick")
graph = builder.compile()
