"""Steps that take a while, so runs overlap (multitask strategies, cancellation)."""

from __future__ import annotations

import asyncio
import operator
from typing import Annotated

from langgraph.graph import END, START, StateGraph
from typing_extensions import TypedDict


class SlowState(TypedDict, total=False):
    delay: float
    visits: Annotated[list[str], operator.add]
    label: str


def _step(name: str):  # type: ignore[no-untyped-def]
    async def step(state: SlowState) -> dict[str, object]:
        await asyncio.sleep(state.get("delay", 0.5))
        return {"visits": [f"{state.get('label', '')}:{name}"]}

    return step


builder = StateGraph(SlowState)
for name in ("one", "two", "three"):
    builder.add_node(name, _step(name))
builder.add_edge(START, "one")
builder.add_edge("one", "two")
builder.add_edge("two", "three")
builder.add_edge("three", END)
graph = builder.compile()
