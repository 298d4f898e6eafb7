"""A ReAct agent with a tool, written for LangGraph Server: a factory taking the run config.

The factory also runs in the API process (state reads need the graph), where no provider key
is exported, so the key is read at call time instead of required at construction.
"""

from __future__ import annotations

import os
from typing import Any

from langchain.agents import create_agent
from langchain_core.runnables import RunnableConfig
from langchain_core.tools import tool
from langchain_openai import ChatOpenAI


@tool
def get_weather(city: str) -> str:
    """Get the current weather for a city."""
    return f"It is sunny and 22 degrees in {city}."


def make_graph(config: RunnableConfig) -> Any:
    model = ChatOpenAI(model="gpt-4o-mini", api_key=os.environ.get("OPENAI_API_KEY", "unset"))
    return create_agent(model, tools=[get_weather])
