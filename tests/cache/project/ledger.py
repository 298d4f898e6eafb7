"""A user graph as written for LangGraph Server: it builds its own ``ChatOpenAI`` at
temperature 0, so only LangChain's process-wide cache can put the semantic cache in front of it."""

from __future__ import annotations

from langchain_core.messages import AnyMessage, SystemMessage
from langchain_openai import ChatOpenAI
from langgraph.graph import END, START, MessagesState, StateGraph

SYSTEM = SystemMessage("You answer questions about the sales ledger.")


async def respond(state: MessagesState) -> dict[str, list[AnyMessage]]:
    model = ChatOpenAI(model="sim-small", temperature=0)
    reply = await model.ainvoke([SYSTEM, *state["messages"]])
    return {"messages": [reply]}


builder = StateGraph(MessagesState)
builder.add_node("respond", respond)
builder.add_edge(START, "respond")
builder.add_edge("respond", END)
graph = builder.compile()
