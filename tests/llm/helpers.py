"""Small real implementations of the gateway's interfaces, for tests: a usage sink that keeps
rows in memory, a reserving budget hook and an exact-match cache hook."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from langchain_core.messages import AIMessage

from colmeia.config import LLMSettings
from colmeia.errors import RateLimited
from colmeia.llm.gateway import Gateway
from colmeia.llm.hooks import CachedResponse, CallOutcome, CallRequest
from colmeia.llm.prices import TokenCounts
from colmeia.llm.registry import ModelRegistry
from colmeia.llm.retrying import RetryPolicy
from colmeia.llm.usage import UsageRecord

WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Get the weather forecast for a city.",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    },
}
"""An OpenAI tool the simulated LLM calls for weather questions."""


class ListSink:
    def __init__(self) -> None:
        self.rows: list[UsageRecord] = []

    async def record(self, record: UsageRecord) -> None:
        self.rows.append(record)


class ReservingBudget:
    """Reserve the estimate before, settle the real usage after, refund on error."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.spent = 0
        self.reserved: dict[uuid.UUID, int] = {}
        self.events: list[str] = []

    async def before_call(self, request: CallRequest) -> CachedResponse | None:
        estimate = request.estimated_input_tokens + (request.max_output_tokens or 256)
        if self.spent + sum(self.reserved.values()) + estimate > self.limit:
            self.events.append("refused")
            raise RateLimited("token budget exhausted")
        self.reserved[request.call_id] = estimate
        self.events.append("reserve")
        return None

    async def after_call(self, request: CallRequest, outcome: CallOutcome) -> None:
        self.reserved.pop(request.call_id)
        self.spent += outcome.tokens.input + outcome.tokens.output
        self.events.append("settle-hit" if outcome.cached else "settle")

    async def on_error(self, request: CallRequest, error: BaseException) -> None:
        self.reserved.pop(request.call_id, None)
        self.events.append("refund")


class ExactCache:
    """Serve an identical prompt from memory; store successful provider answers."""

    def __init__(self) -> None:
        self.entries: dict[str, tuple[AIMessage, TokenCounts]] = {}

    def _key(self, request: CallRequest) -> str:
        return f"{request.model}|" + "|".join(m.text for m in request.messages)

    async def before_call(self, request: CallRequest) -> CachedResponse | None:
        found = self.entries.get(self._key(request))
        if found is None:
            return None
        return CachedResponse(message=found[0], saved=found[1], source="exact")

    async def after_call(self, request: CallRequest, outcome: CallOutcome) -> None:
        if not outcome.cached:
            self.entries[self._key(request)] = (outcome.message, outcome.tokens)

    async def on_error(self, request: CallRequest, error: BaseException) -> None:
        return None


def gateway(
    sim_url: str, models: dict[str, Any], sink: ListSink, hooks: tuple[Any, ...] = ()
) -> Gateway:
    """A gateway on the simulator with near-zero backoff so retries are quick."""
    settings = LLMSettings(base_url=sim_url, models=models, max_retries=2)
    built = Gateway(ModelRegistry(settings), sink, hooks, RetryPolicy(backoff_base_s=0.01))
    OPEN.append(built)
    return built


OPEN: list[Gateway] = []
"""Gateways built by the current test, closed by the ``close_gateways`` fixture."""


def attempts(sim_url: str, key: str) -> int:
    """How many requests the simulator saw under a fault key."""
    url = f"{sim_url.removesuffix('/v1')}/sim/attempts/{key}"
    count: int = httpx.get(url).json()["attempts"]
    return count


def clients(sim_url: str, key: str) -> list[str]:
    """The ``User-Agent`` values of the requests the simulator saw under a fault key."""
    url = f"{sim_url.removesuffix('/v1')}/sim/attempts/{key}"
    seen: list[str] = httpx.get(url).json()["clients"]
    return seen


def faulty(kind: str, fail_times: int | None = None, **extra: str) -> tuple[str, dict[str, str]]:
    """Simulator headers injecting ``kind`` (with a fresh fault key to count attempts)."""
    key = uuid.uuid4().hex
    headers = {"x-sim-fault": kind, "x-sim-fault-key": key, **extra}
    headers["x-sim-fail-times"] = str(fail_times if fail_times is not None else 1000)
    return key, headers
