"""A graph that asks a human before finishing (interrupt, then resume with Command)."""

from __future__ import annotations

from langgraph.graph import END, START, StateGraph
from langgraph.types import interrupt
from typing_extensions import TypedDict


class ApprovalState(TypedDict, total=False):
    request: str
    answer: str


async def ask(state: ApprovalState) -> dict[str, str]:
    answer = interrupt({"question": f"approve {state.get('request', '')}?"})
    return {"answer": str(answer)}


builder = StateGraph(ApprovalState)
builder.add_node("ask", ask)
builder.add_edge(START, "ask")
builder.add_edge("ask", END)
graph = builder.compile()
