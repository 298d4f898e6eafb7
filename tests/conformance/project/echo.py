"""A deterministic two-node graph with a custom stream writer (no LLM)."""

from __future__ import annotations

from typing import Annotated

from langchain_core.messages import AIMessage, AnyMessage
from langgraph.config import get_stream_writer
from langgraph.graph import END, START, StateGraph
from langgraph.graph.message import add_messages
from typing_extensions import TypedDict


class EchoState(TypedDict, total=False):
    messages: Annotated[list[AnyMessage], add_messages]
    count: int


async def echo(state: EchoState) -> dict[str, object]:
    get_stream_writer()({"progress": "echoing"})
    last = state["messages"][-1].content if state.get("messages") else ""
    return {"messages": [AIMessage(content=f"echo: {last}")]}


async def count(state: EchoState) -> dict[str, object]:
    return {"count": state.get("count", 0) + 1}


builder = StateGraph(EchoState)
builder.add_node("echo", echo)
builder.add_node("count", count)
builder.add_edge(START, "echo")
builder.add_edge("echo", "count")
builder.add_edge("count", END)
graph = builder.compile()
