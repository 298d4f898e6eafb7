"""Reads one item of the server's store and writes another (the store a run is given)."""

from __future__ import annotations

from typing import Any

from langgraph.graph import END, START, StateGraph
from langgraph.store.base import BaseStore
from typing_extensions import TypedDict


class StoreState(TypedDict, total=False):
    namespace: list[str]
    key: str
    found: Any
    write: dict[str, Any]


async def read_and_write(state: StoreState, *, store: BaseStore) -> dict[str, Any]:
    namespace = tuple(state["namespace"])
    item = await store.aget(namespace, state["key"])
    if state.get("write"):
        await store.aput(namespace, "from-graph", state["write"])
    return {"found": item.value if item is not None else None}


builder = StateGraph(StoreState)
builder.add_node("read_and_write", read_and_write)
builder.add_edge(START, "read_and_write")
builder.add_edge("read_and_write", END)
graph = builder.compile()
