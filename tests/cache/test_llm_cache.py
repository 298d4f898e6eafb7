"""`RunScopedCache` as LangChain uses it: a real ``ChatOpenAI`` (upstream: the simulated LLM)
whose ``cache`` is the semantic cache, on both vector backends."""

from __future__ import annotations

import asyncio

import pytest
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage
from langchain_openai import ChatOpenAI
from redis.asyncio import Redis

from colmeia.cache.llm_cache import RunScopedCache, _params, run_context
from colmeia.cache.runtime import CacheRuntime
from colmeia.cache.semantic import SemanticCache
from colmeia.config import CacheSettings
from tests.openai_compat.conftest import sim_url

__all__ = ["sim_url"]

SYSTEM = SystemMessage("You answer questions about the sales ledger.")
QUESTION = HumanMessage("What was the total revenue in March 2024?")


@pytest.fixture
async def llm_cache(cache: SemanticCache, redis: Redis) -> RunScopedCache:
    runtime = CacheRuntime(redis, CacheSettings(prefix=cache.records.prefix))
    runtime.cache = cache  # the suite's cache, already open on this backend
    return RunScopedCache(runtime, asyncio.get_running_loop())


def model(llm_cache: RunScopedCache, url: str, **params: object) -> ChatOpenAI:
    return ChatOpenAI(
        model="sim-small", base_url=url, api_key="not-needed", cache=llm_cache, **params
    )  # type: ignore[call-arg]


async def ask(chat: ChatOpenAI, tenant: str | None, *messages: object) -> AIMessage:
    """One call, inside a run of ``tenant`` (outside any run when None)."""
    call = chat.ainvoke([SYSTEM, *messages])  # type: ignore[list-item]
    if tenant is None:
        reply = await call
    else:
        reply = await asyncio.create_task(call, context=run_context(tenant))
    assert isinstance(reply, AIMessage)
    return reply


def served_from_cache(reply: AIMessage) -> dict[str, object] | None:
    found: dict[str, object] | None = reply.response_metadata.get("colmeia_cache")
    return found


class TestRunScopedCache:
    async def test_scoped_by_run_tenant(self, llm_cache: RunScopedCache, sim_url: str) -> None:
        chat = model(llm_cache, sim_url, temperature=0)
        first = await ask(chat, "tenant-a", QUESTION)
        again = await ask(chat, "tenant-a", QUESTION)
        hit = served_from_cache(again)
        assert served_from_cache(first) is None
        assert hit is not None
        assert (hit["tier"], again.content) == ("exact", first.content)
        assert served_from_cache(await ask(chat, "tenant-b", QUESTION)) is None
        assert served_from_cache(await ask(chat, None, QUESTION)) is None, "outside a run"

    async def test_model_params_and_earlier_turns_are_scope(
        self, llm_cache: RunScopedCache, sim_url: str
    ) -> None:
        chat = model(llm_cache, sim_url, temperature=0)
        await ask(chat, "tenant-a", QUESTION)
        capped = model(llm_cache, sim_url, temperature=0, max_tokens=20)
        assert served_from_cache(await ask(capped, "tenant-a", QUESTION)) is None
        earlier = (HumanMessage("Hi"), AIMessage("Hello! How can I help?"))
        assert served_from_cache(await ask(chat, "tenant-a", *earlier, QUESTION)) is None
        assert served_from_cache(await ask(chat, "tenant-a", QUESTION)) is not None

    async def test_only_deterministic_calls_unless_the_run_enables_it(
        self, llm_cache: RunScopedCache, sim_url: str
    ) -> None:
        warm = model(llm_cache, sim_url, temperature=0.7)
        await ask(warm, "tenant-a", QUESTION)
        assert served_from_cache(await ask(warm, "tenant-a", QUESTION)) is None
        enabled = {"configurable": {"cache": {"enabled": True}}}
        for expected in (False, True):
            call = warm.ainvoke([SYSTEM, QUESTION])
            reply = await asyncio.create_task(call, context=run_context("tenant-a", enabled))
            assert (served_from_cache(reply) is not None) is expected


class TestLLMString:
    def test_call_parameters_override_the_constructors(self) -> None:
        chat = ChatOpenAI(model="sim-small", temperature=0.5, api_key="x")  # type: ignore[arg-type]
        llm_string = chat._get_llm_string(stop=None, temperature=0)
        params = _params(llm_string)
        assert params["temperature"] == 0
        assert params["model_name"] == "sim-small"
        assert _params("not json---[('temperature', 0.0)]") == {}
        assert _params("[('temperature', 0.0)]") == {"temperature": 0.0}
