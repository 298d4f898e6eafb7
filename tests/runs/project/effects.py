"""An agent whose tool has a real side effect (a counter in Redis) wrapped in `effects.once`.

On the run's first attempt the tool fails *after* its effect (a dropped connection, transient),
so the run is retried from its checkpoint and the tool call runs again: the effect must not.
"""

from __future__ import annotations

import os
from typing import Any

import httpx
import redis.asyncio as redis
from langchain.agents import create_agent
from langchain.tools import ToolRuntime, tool
from langchain_core.runnables import RunnableConfig
from langchain_openai import ChatOpenAI

from colmeia.runs.effects import once


@tool
async def charge_customer(customer: str, runtime: ToolRuntime) -> str:
    """Charge the customer's card for the order."""
    configurable = runtime.config.get("configurable", {})
    counter = str(configurable["counter_key"])

    async def charge(key: str) -> str:
        async with redis.Redis.from_url(os.environ["COLMEIA_REDIS__URL"]) as client:
            charges = await client.incr(counter)
            await client.expire(counter, 3600)
        return f"charged {customer} (charge #{charges}, key {key})"

    result = await once(runtime.config, runtime.tool_call_id or "", charge)
    if runtime.config.get("metadata", {}).get("run_attempt") == 1:
        raise httpx.ConnectError("the connection dropped after the charge")
    return result


def make_graph(config: RunnableConfig) -> Any:
    model = ChatOpenAI(
        model="gpt-4o-mini",
        max_retries=0,
        api_key=os.environ.get("OPENAI_API_KEY", "unset"),  # type: ignore[arg-type]
    )
    return create_agent(model, tools=[charge_customer])
