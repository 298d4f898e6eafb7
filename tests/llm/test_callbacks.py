"""Run callbacks meter the calls of models that graphs build themselves (``ChatOpenAI()``).

A real worker process runs unchanged LangGraph Server graphs against the simulated LLM; each
call must leave the same usage row the gateway writes (attribution, provider-reported tokens,
cost from the price table) and settle its budget reservation to those tokens.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest
from langchain_core.caches import InMemoryCache
from langchain_core.runnables import RunnableConfig
from langchain_openai import ChatOpenAI
from pydantic import SecretStr

from colmeia.config import Settings
from colmeia.errors import RateLimited
from colmeia.llm.callbacks import RunAccounting
from colmeia.llm.context import CallContext
from colmeia.llm.prices import DEFAULT_PRICES, TokenCounts, cost_nusd
from colmeia.models import BudgetScope
from tests.fixtures.live import wait_for
from tests.fixtures.metered import (
    create_budget,
    metered_server,
    run_id_of,
    run_row,
    spent,
    usage_rows,
)
from tests.fixtures.principals import create_credential
from tests.llm.helpers import ListSink, ReservingBudget, gateway


def _wait(base: str, key: str, graph: str, text: str) -> tuple[str, dict[str, Any]]:
    # Any: the graph's JSON state.
    headers = {"x-api-key": key}
    thread = httpx.post(f"{base}/threads", json={}, headers=headers).json()["thread_id"]
    response = httpx.post(
        f"{base}/threads/{thread}/runs/wait",
        json={"assistant_id": graph, "input": {"messages": [{"role": "user", "content": text}]}},
        headers=headers,
        timeout=240,
    )
    assert response.status_code == 200, response.text
    return run_id_of(response.headers["content-location"]), response.json()


@pytest.mark.slow
class TestRunCallbacks:
    def test_async_and_sync_nodes_are_metered_like_gateway_calls(
        self, settings: Settings, tmp_path: Path
    ) -> None:
        credential = create_credential(settings)
        line = create_budget(
            settings, credential.tenant_id, BudgetScope.user, credential.user_id, 10**6
        )
        log = tmp_path / "worker.log"
        total = 0
        with metered_server(settings, log) as base:
            for graph, node in (("chat", "respond"), ("sync_chat", "answer")):
                run_id, output = _wait(base, credential.key, graph, f"hello from {graph}")
                written = wait_for(lambda: usage_rows(settings, run_id), timeout_s=20)  # noqa: B023
                assert written, log.read_text()
                [row] = usage_rows(settings, run_id)
                run = run_row(settings, run_id)
                reply = output["messages"][-1]
                assert reply["type"] == "ai"
                usage = reply["usage_metadata"]
                assert (row.tenant_id, row.user_id) == (credential.tenant_id, credential.user_id)
                assert row.key_id is not None
                assert row.assistant_id == str(run.assistant_id)
                assert row.thread_id == str(run.thread_id)
                assert row.node == node
                assert row.requested_model == row.model == "openai:gpt-4o-mini"
                tokens = TokenCounts(usage["input_tokens"], usage["output_tokens"])
                assert (row.input_tokens, row.output_tokens) == (tokens.input, tokens.output)
                assert not row.estimated
                assert row.price_known
                assert not row.cache_hit
                assert row.cost_nusd == cost_nusd(DEFAULT_PRICES["gpt-4o-mini"], tokens) > 0
                total += tokens.input + tokens.output
        # Each reservation (prompt estimate + 1024) was settled to the reported tokens.
        assert spent(settings, line).tokens == total

    def test_rows_still_buffered_are_written_on_a_warm_shutdown(
        self, settings: Settings, tmp_path: Path
    ) -> None:
        # A flush interval longer than the test: only the shutdown's flush can write the row.
        settings.llm.usage_flush_interval_s = 3600
        credential = create_credential(settings)
        log = tmp_path / "worker.log"
        with metered_server(settings, log) as base:
            run_id, _ = _wait(base, credential.key, "chat", "hello before the shutdown")
            assert usage_rows(settings, run_id) == []
        assert len(usage_rows(settings, run_id)) == 1, log.read_text()


class TestInProcess:
    """The callbacks around LangChain's own clients (sim LLM over HTTP), in this process."""

    def _model(self, sim_url: str) -> ChatOpenAI:
        return ChatOpenAI(
            model="gpt-4o-mini", base_url=sim_url, api_key=SecretStr("x"), cache=InMemoryCache()
        )

    async def test_llm_cache_hit_is_free_and_reports_the_saving(self, sim_url: str) -> None:
        sink, budget = ListSink(), ReservingBudget(limit=100_000)
        accounting = RunAccounting([budget], sink, {})
        config: RunnableConfig = {"callbacks": accounting.callbacks(CallContext(run_id="r1"))}
        model = self._model(sim_url)
        first = await model.ainvoke("what is a cache?", config)
        again = await model.ainvoke("what is a cache?", config)
        assert again.content == first.content
        called, hit = sink.rows
        assert (called.cache_hit, hit.cache_hit) == (False, True)
        assert called.cost_nusd > 0
        assert (hit.cost_nusd, hit.tokens.input, hit.tokens.output) == (0, 0, 0)
        assert hit.saved_nusd == called.cost_nusd
        assert budget.events == ["reserve", "settle", "reserve", "settle-hit"]
        assert budget.spent == called.tokens.input + called.tokens.output

    async def test_sync_invoke_from_a_thread_is_metered_and_refusable(self, sim_url: str) -> None:
        sink, budget = ListSink(), ReservingBudget(limit=2_000)
        accounting = RunAccounting([budget], sink, {})
        config: RunnableConfig = {"callbacks": accounting.callbacks(CallContext(run_id="r2"))}
        model = self._model(sim_url)
        await asyncio.to_thread(model.invoke, "hello from a thread", config)
        [row] = sink.rows
        assert row.tokens.input > 0
        assert budget.events == ["reserve", "settle"]
        budget.limit = budget.spent  # nothing left: the next call is refused before it is made
        with pytest.raises(RateLimited):
            await asyncio.to_thread(model.invoke, "and again", config)
        assert budget.events[-1] == "refused"
        assert len(sink.rows) == 1

    async def test_gateway_models_are_left_to_the_gateway(self, sim_url: str) -> None:
        gateway_rows, callback_rows = ListSink(), ListSink()
        accounting = RunAccounting([], callback_rows, {})
        config: RunnableConfig = {"callbacks": accounting.callbacks(CallContext(run_id="r3"))}
        chat_model = gateway(sim_url, {}, gateway_rows).chat_model("sim-small")
        await chat_model.ainvoke("counted once", config)
        assert len(gateway_rows.rows) == 1
        assert callback_rows.rows == []
