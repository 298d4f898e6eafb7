"""The gateway against the simulated LLM with injected faults: retries, Retry-After, fallback,
usage recorded once per successful call, and the hook contract."""

from __future__ import annotations

import pytest
from langchain_core.messages import HumanMessage

from colmeia.errors import RateLimited
from colmeia.llm.context import CallContext
from colmeia.llm.errors import (
    ModelNotFound,
    UpstreamFailed,
    UpstreamRateLimited,
    UpstreamRejected,
    UpstreamTimeout,
)
from colmeia.llm.prices import DEFAULT_PRICES, cost_nusd
from colmeia.llm.retrying import RetryPolicy
from tests.llm.helpers import ExactCache, ListSink, ReservingBudget, attempts, faulty, gateway

QUESTION = "What makes semantic caches effective?"


class TestRetries:
    @pytest.mark.parametrize("kind", ["500", "429"])
    async def test_transient_faults_are_retried_and_recorded_once(
        self, sim_url: str, kind: str
    ) -> None:
        key, headers = faulty(kind, 2, **{"x-sim-fault-retry-after": "0.01"})
        sink = ListSink()
        model = gateway(sim_url, {"m": {"model": "openai:sim-small", "headers": headers}}, sink)

        reply = await model.chat_model("m").ainvoke(QUESTION)

        assert "semantic" in reply.text
        assert attempts(sim_url, key) == 3
        [row] = sink.rows
        assert row.attempts == 3
        assert row.model == "openai:sim-small"
        assert row.tokens.input > 0
        assert row.tokens.output > 0
        assert row.cost_nusd == cost_nusd(DEFAULT_PRICES["sim-small"], row.tokens) > 0

    async def test_retry_after_is_honoured(self, sim_url: str) -> None:
        waits: list[float] = []

        async def remember(seconds: float) -> None:
            waits.append(seconds)

        _, headers = faulty("429", 1, **{"x-sim-fault-retry-after": "0.4"})
        sink = ListSink()
        model = gateway(sim_url, {"m": {"model": "openai:sim-small", "headers": headers}}, sink)
        model.retry = RetryPolicy(backoff_base_s=0.001, sleep=remember)

        await model.chat_model("m").ainvoke(QUESTION)

        assert len(waits) == 1
        assert waits[0] >= 0.4

    async def test_timeouts_are_retried(self, sim_url: str) -> None:
        key, headers = faulty("timeout", 1, **{"x-sim-timeout-s": "3"})
        entry = {"model": "openai:sim-small", "headers": headers, "timeout_s": 0.3}
        sink = ListSink()

        await gateway(sim_url, {"m": entry}, sink).chat_model("m").ainvoke(QUESTION)

        assert attempts(sim_url, key) == 2
        assert sink.rows[0].attempts == 2

    async def test_exhausted_retries_raise_the_mapped_error_and_record_nothing(
        self, sim_url: str
    ) -> None:
        cases = {"429": UpstreamRateLimited, "500": UpstreamFailed}
        for kind, expected in cases.items():
            key, headers = faulty(kind, **{"x-sim-fault-retry-after": "0.01"})
            entry = {"model": "openai:sim-small", "headers": headers, "max_retries": 1}
            sink = ListSink()
            with pytest.raises(expected):
                await gateway(sim_url, {"m": entry}, sink).chat_model("m").ainvoke(QUESTION)
            assert attempts(sim_url, key) == 2
            assert sink.rows == []

    async def test_timeout_exhaustion_is_504(self, sim_url: str) -> None:
        _, headers = faulty("timeout", **{"x-sim-timeout-s": "3"})
        entry = {"model": "openai:sim-small", "headers": headers, "timeout_s": 0.2}
        entry["max_retries"] = 0
        with pytest.raises(UpstreamTimeout):
            await gateway(sim_url, {"m": entry}, ListSink()).chat_model("m").ainvoke(QUESTION)

    async def test_a_rejected_request_is_not_retried(self, sim_url: str) -> None:
        waits: list[float] = []

        async def remember(seconds: float) -> None:
            waits.append(seconds)

        sink = ListSink()
        model = gateway(sim_url, {}, sink)
        model.retry = RetryPolicy(sleep=remember)
        with pytest.raises(UpstreamRejected, match="n=1"):
            await model.chat_model("sim-small").ainvoke(QUESTION, n=2)
        assert waits == []
        assert sink.rows == []


class TestFallback:
    async def test_fallback_answers_once_the_primary_is_exhausted(self, sim_url: str) -> None:
        key, headers = faulty("500")
        primary = {"model": "openai:sim-small", "headers": headers, "max_retries": 1}
        primary["fallbacks"] = ["backup"]
        sink = ListSink()
        models = {"primary": primary, "backup": {"model": "openai:sim-large"}}

        await gateway(sim_url, models, sink).chat_model("primary").ainvoke(QUESTION)

        assert attempts(sim_url, key) == 2
        [row] = sink.rows
        assert (row.requested_model, row.model, row.attempts) == ("primary", "openai:sim-large", 3)
        assert row.cost_nusd == cost_nusd(DEFAULT_PRICES["sim-large"], row.tokens)

    async def test_a_retry_after_beyond_the_limit_falls_back_at_once(self, sim_url: str) -> None:
        key, headers = faulty("429", **{"x-sim-fault-retry-after": "600"})
        primary = {"model": "openai:sim-small", "headers": headers, "fallbacks": ["sim-large"]}
        sink = ListSink()

        await gateway(sim_url, {"primary": primary}, sink).chat_model("primary").ainvoke(QUESTION)

        assert attempts(sim_url, key) == 1
        assert sink.rows[0].model == "openai:sim-large"

    def test_unknown_names_are_model_not_found(self, sim_url: str) -> None:
        model = gateway(sim_url, {}, ListSink())
        model.registry.settings.allow_unlisted = False
        with pytest.raises(ModelNotFound):
            model.chat_model("no-such-model")


class TestStreaming:
    async def test_stream_is_retried_before_the_first_chunk_and_recorded_once(
        self, sim_url: str
    ) -> None:
        key, headers = faulty("500", 1)
        sink = ListSink()
        model = gateway(sim_url, {"m": {"model": "openai:sim-small", "headers": headers}}, sink)

        chunks = [chunk async for chunk in model.chat_model("m").astream(QUESTION)]

        assert len(chunks) > 3
        assert attempts(sim_url, key) == 2
        [row] = sink.rows
        assert row.attempts == 2
        assert not row.estimated
        assert row.tokens.output == sum(1 for c in chunks if c.content)


class TestHooks:
    async def test_budget_reserves_and_settles_and_cache_short_circuits(self, sim_url: str) -> None:
        key, headers = faulty("500", 0)
        budget, cache, sink = ReservingBudget(limit=10_000), ExactCache(), ListSink()
        models = {"m": {"model": "openai:sim-small", "headers": headers}}
        model = gateway(sim_url, models, sink, hooks=(budget, cache)).chat_model("m")

        first = await model.ainvoke(QUESTION)
        second = await model.ainvoke(QUESTION)

        assert second.text == first.text
        assert attempts(sim_url, key) == 1
        assert budget.events == ["reserve", "settle", "reserve", "settle-hit"]
        assert budget.reserved == {}
        paid, hit = sink.rows
        assert not paid.cache_hit
        assert paid.cost_nusd > 0
        assert hit.cache_hit
        assert hit.cost_nusd == 0
        assert hit.saved_nusd == paid.cost_nusd

    async def test_a_refusing_hook_stops_the_call_before_the_provider(self, sim_url: str) -> None:
        key, headers = faulty("500", 0)
        budget, sink = ReservingBudget(limit=5), ListSink()
        models = {"m": {"model": "openai:sim-small", "headers": headers}}
        with pytest.raises(RateLimited):
            await gateway(sim_url, models, sink, (budget,)).chat_model("m").ainvoke(QUESTION)
        assert attempts(sim_url, key) == 0
        assert budget.events == ["refused"]
        assert sink.rows == []

    async def test_a_failed_call_is_refunded(self, sim_url: str) -> None:
        _, headers = faulty("500", **{"x-sim-fault-retry-after": "0.01"})
        budget, cache = ReservingBudget(limit=10_000), ExactCache()
        entry = {"model": "openai:sim-small", "headers": headers, "max_retries": 1}
        model = gateway(sim_url, {"m": entry}, ListSink(), (budget, cache)).chat_model("m")
        with pytest.raises(UpstreamFailed):
            await model.ainvoke(QUESTION)
        assert budget.events == ["reserve", "refund"]
        assert budget.reserved == {}
        assert cache.entries == {}


class TestAttribution:
    async def test_context_and_graph_metadata_reach_the_usage_row(self, sim_url: str) -> None:
        from langgraph.graph import MessagesState, StateGraph

        sink = ListSink()
        context = CallContext(assistant_id="helper", run_id="run-1")
        model = gateway(sim_url, {}, sink).chat_model("sim-small", context)

        async def answer(state: MessagesState) -> dict[str, object]:
            return {"messages": [await model.ainvoke(state["messages"])]}

        graph = StateGraph(MessagesState).add_node("answer", answer)
        graph = graph.set_entry_point("answer").set_finish_point("answer")
        config = {"configurable": {"thread_id": "thread-9"}}
        await graph.compile().ainvoke({"messages": [HumanMessage(QUESTION)]}, config)  # type: ignore[arg-type]

        [row] = sink.rows
        assert (row.context.assistant_id, row.context.run_id) == ("helper", "run-1")
        assert (row.context.node, row.context.thread_id) == ("answer", "thread-9")

    async def test_a_sync_node_runs_on_the_serving_loop(self, sim_url: str) -> None:
        from langgraph.graph import MessagesState, StateGraph

        sink = ListSink()
        model = gateway(sim_url, {}, sink).chat_model("sim-small")

        def answer(state: MessagesState) -> dict[str, object]:
            return {"messages": [model.invoke(state["messages"])]}

        graph = StateGraph(MessagesState).add_node("sync_answer", answer)
        graph = graph.set_entry_point("sync_answer").set_finish_point("sync_answer")
        result = await graph.compile().ainvoke({"messages": [HumanMessage(QUESTION)]})

        assert result["messages"][-1].text
        assert [row.context.node for row in sink.rows] == ["sync_answer"]


class TestCutStreams:
    async def test_a_dropped_stream_raises_refunds_and_records_nothing(self, sim_url: str) -> None:
        budget, sink = ReservingBudget(limit=10_000), ListSink()
        models = {"m": {"model": "openai:sim-small", "headers": {"x-sim-fault": "drop"}}}
        model = gateway(sim_url, models, sink, (budget,)).chat_model("m")
        received: list[str] = []

        async def read_all() -> None:
            async for chunk in model.astream(QUESTION):
                received.append(chunk.text)

        with pytest.raises(UpstreamFailed):
            await read_all()

        assert len(received) > 1
        assert budget.events == ["reserve", "refund"]
        assert sink.rows == []

    async def test_a_consumer_that_stops_reading_is_refunded(self, sim_url: str) -> None:
        budget, cache, sink = ReservingBudget(limit=10_000), ExactCache(), ListSink()
        gw = gateway(sim_url, {}, sink, (budget, cache))
        request = gw.request("sim-small", [HumanMessage(QUESTION)], {}, CallContext())
        stream = gw.stream(request)

        await anext(stream)
        await stream.aclose()

        assert budget.events == ["reserve", "refund"]
        assert cache.entries == {}
        assert sink.rows == []


class TestLangChainSurface:
    async def test_structured_output_through_the_gateway(self, sim_url: str) -> None:
        from pydantic import BaseModel

        class Forecast(BaseModel):
            city: str
            celsius: float

        sink = ListSink()
        model = gateway(sim_url, {}, sink).chat_model("sim-small")

        result = await model.with_structured_output(Forecast).ainvoke("city Porto is 18 celsius")

        assert result == Forecast(city="Porto", celsius=18)
        assert len(sink.rows) == 1

    async def test_an_agent_tool_loop_is_recorded_per_model_call(self, sim_url: str) -> None:
        from langchain.agents import create_agent
        from langchain_core.tools import tool

        @tool
        def get_weather(city: str) -> str:
            """Get the weather forecast for a city."""
            return f"Sunny in {city}"

        sink = ListSink()
        agent = create_agent(gateway(sim_url, {}, sink).chat_model("sim-small"), [get_weather])

        result = await agent.ainvoke({"messages": [HumanMessage("What is the weather in Lisbon?")]})

        assert "Sunny in Lisbon" in result["messages"][-1].text
        assert len(sink.rows) == 2
        assert {row.context.node for row in sink.rows} == {"model"}
