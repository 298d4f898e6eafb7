"""A chat graph as a LangGraph Server project writes it: ChatOpenAI from the environment."""

from __future__ import annotations

from langchain_core.messages import AnyMessage
from langchain_openai import ChatOpenAI
from langgraph.graph import END, START, MessagesState, StateGraph


async def respond(state: MessagesState) -> dict[str, list[AnyMessage]]:
    reply = await ChatOpenAI(model="gpt-4o-mini", streaming=True).ainvoke(state["messages"])
    return {"messages": [reply]}


builder = StateGraph(MessagesState)
builder.add_node("respond", respond)
builder.add_edge(START, "respond")
builder.add_edge("respond", END)
graph = builder.compile()
