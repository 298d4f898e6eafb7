"""A chat graph whose provider fails its first calls, steered per run through the config.

``configurable.fail_times`` / ``fault`` become the simulated LLM's fault headers, keyed by the
run id, so the first N provider calls of *this run* fail (429 with Retry-After, 500, …) and
later ones succeed: the worker sees the real ``openai`` exceptions. ``configurable.broken``
makes the node raise a plain bug instead (a permanent failure).
"""

from __future__ import annotations

import os
from typing import Any

from langchain_core.messages import AnyMessage
from langchain_core.runnables import RunnableConfig
from langchain_openai import ChatOpenAI
from langgraph.graph import END, START, MessagesState, StateGraph


def make_graph(config: RunnableConfig) -> Any:
    configurable = config.get("configurable", {})
    headers = {}
    if configurable.get("fail_times"):
        headers = {
            "x-sim-fail-times": str(configurable["fail_times"]),
            "x-sim-fault": str(configurable.get("fault", "500")),
            "x-sim-fault-key": str(configurable.get("run_id", "")),
            "x-sim-fault-retry-after": "0.2",
        }
    # No client-side retries: the run ledger is the retry being tested.
    # The factory also runs in the API process (state reads), where no key is exported.
    model = ChatOpenAI(
        model="gpt-4o-mini",
        max_retries=0,
        default_headers=headers,
        api_key=os.environ.get("OPENAI_API_KEY", "unset"),  # type: ignore[arg-type]
    )

    async def respond(state: MessagesState) -> dict[str, list[AnyMessage]]:
        if configurable.get("broken"):
            raise ValueError("a bug in the graph")
        return {"messages": [await model.ainvoke(state["messages"])]}

    builder = StateGraph(MessagesState)
    builder.add_node("respond", respond)
    builder.add_edge(START, "respond")
    builder.add_edge("respond", END)
    return builder.compile()
