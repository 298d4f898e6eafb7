"""Three steps that take a while each, so a worker can be killed or stopped between them."""

from __future__ import annotations

import asyncio
import operator
from typing import Annotated

from langgraph.graph import END, START, StateGraph
from typing_extensions import TypedDict


class StepsState(TypedDict, total=False):
    delay: float
    visits: Annotated[list[str], operator.add]


def _step(name: str):  # type: ignore[no-untyped-def]
    async def step(state: StepsState) -> dict[str, object]:
        await asyncio.sleep(state.get("delay", 0.5))
        return {"visits": [name]}

    return step


builder = StateGraph(StepsState)
for name in ("one", "two", "three"):
    builder.add_node(name, _step(name))
builder.add_edge(START, "one")
builder.add_edge("one", "two")
builder.add_edge("two", "three")
builder.add_edge("three", END)
graph = builder.compile()
