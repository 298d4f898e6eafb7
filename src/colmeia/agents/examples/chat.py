"""A one-node chat graph: the smallest graph that calls the LLM the server is configured with.

The model is LangChain's ``ChatOpenAI``; it reads ``OPENAI_BASE_URL`` and ``OPENAI_API_KEY``,
which Colmeia fills from its LLM settings (the simulated LLM by default), as LangGraph Server
projects expect. The model is built once per process, on the first call (not at import, so
loading the graph needs no key): building a ``ChatOpenAI`` creates HTTP clients and TLS
contexts, a measurable share of the CPU a whole run costs.
"""

from __future__ import annotations

import os
from functools import cache

from langchain_core.messages import AnyMessage
from langchain_openai import ChatOpenAI
from langgraph.graph import END, START, MessagesState, StateGraph


@cache
def _model() -> ChatOpenAI:
    return ChatOpenAI(model=os.environ.get("COLMEIA_EXAMPLE_MODEL", "gpt-4o-mini"))


async def respond(state: MessagesState) -> dict[str, list[AnyMessage]]:
    reply = await _model().ainvoke(state["messages"])
    return {"messages": [reply]}


builder = StateGraph(MessagesState)
builder.add_node("respond", respond)
builder.add_edge(START, "respond")
builder.add_edge("respond", END)
graph = builder.compile()
