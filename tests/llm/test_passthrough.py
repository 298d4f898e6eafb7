"""The gateway's pass-through for OpenAI-compatible upstreams: an OpenAI request body sent as is
over aiohttp, against the simulated LLM with injected faults. Retries, ``Retry-After``,
timeouts, fallback and usage must behave exactly as on the LangChain path (`test_gateway`)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage

from colmeia.llm.context import CallContext
from colmeia.llm.errors import UpstreamFailed, UpstreamRateLimited, UpstreamRejected
from colmeia.llm.gateway import Gateway
from colmeia.llm.passthrough import UpstreamStatus, _proxy, serves, to_chunk, to_message
from colmeia.llm.prices import DEFAULT_PRICES, cost_nusd
from colmeia.llm.registry import ModelSpec
from colmeia.llm.retrying import RetryPolicy
from colmeia.llm.transient import classify
from tests.llm.helpers import (
    WEATHER_TOOL,
    ListSink,
    ReservingBudget,
    attempts,
    clients,
    faulty,
    gateway,
)

QUESTION = "What makes semantic caches effective?"


async def passed_through(
    gw: Gateway, name: str, question: str = QUESTION, **fields: object
) -> AIMessage:
    """One call as ``/v1/chat/completions`` makes it: LangChain messages for the hooks, and the
    caller's OpenAI body as ``wire``."""
    wire = {"messages": [{"role": "user", "content": question}], **fields}
    request = gw.request(name, [HumanMessage(question)], {}, CallContext(), wire=wire)
    message = (await gw.generate(request)).generations[0].message
    assert isinstance(message, AIMessage)
    return message


def aiohttp_only(sim_url: str, key: str) -> bool:
    seen = clients(sim_url, key)
    return bool(seen) and all("aiohttp" in agent for agent in seen)


class TestPassThrough:
    async def test_the_body_is_sent_over_aiohttp_and_recorded_once(self, sim_url: str) -> None:
        key, headers = faulty("500", 0)
        sink, budget = ListSink(), ReservingBudget(limit=10_000)
        models = {"m": {"model": "openai:sim-small", "headers": headers}}

        reply = await passed_through(gateway(sim_url, models, sink, (budget,)), "m")

        assert "semantic" in reply.text
        assert reply.response_metadata["finish_reason"] == "stop"
        assert aiohttp_only(sim_url, key)
        [row] = sink.rows
        assert (row.model, row.attempts, row.estimated) == ("openai:sim-small", 1, False)
        assert row.tokens.output == reply.usage_metadata["output_tokens"] > 0  # type: ignore[index]
        assert row.cost_nusd == cost_nusd(DEFAULT_PRICES["sim-small"], row.tokens) > 0
        assert budget.events == ["reserve", "settle"]

    async def test_tool_calls_come_back_parsed(self, sim_url: str) -> None:
        gw = gateway(sim_url, {}, ListSink())

        reply = await passed_through(
            gw, "sim-small", "What is the weather in Lisbon?", tools=[WEATHER_TOOL]
        )

        [call] = reply.tool_calls
        assert call["name"] == "get_weather"
        assert call["args"] == {"city": "Lisbon"}
        assert call["id"]
        assert reply.response_metadata["finish_reason"] == "tool_calls"

    async def test_max_completion_tokens_reaches_the_upstream(self, sim_url: str) -> None:
        reply = await passed_through(
            gateway(sim_url, {}, ListSink()), "sim-small", max_completion_tokens=3
        )
        assert reply.response_metadata["finish_reason"] == "length"
        assert reply.usage_metadata is not None
        assert reply.usage_metadata["output_tokens"] == 3

    async def test_a_model_with_constructor_options_keeps_the_langchain_path(
        self, sim_url: str
    ) -> None:
        key, headers = faulty("500", 0)
        entry = {"model": "openai:sim-small", "headers": headers, "params": {"streaming": False}}

        await passed_through(gateway(sim_url, {"m": entry}, ListSink()), "m")

        [agent] = clients(sim_url, key)
        assert "OpenAI/Python" in agent


class TestFaults:
    @pytest.mark.parametrize("kind", ["500", "429", "drop"])
    async def test_transient_faults_are_retried_and_recorded_once(
        self, sim_url: str, kind: str
    ) -> None:
        key, headers = faulty(kind, 2, **{"x-sim-fault-retry-after": "0.01"})
        sink = ListSink()
        gw = gateway(sim_url, {"m": {"model": "openai:sim-small", "headers": headers}}, sink)

        reply = await passed_through(gw, "m")

        assert "semantic" in reply.text
        assert attempts(sim_url, key) == 3
        assert aiohttp_only(sim_url, key)
        [row] = sink.rows
        assert row.attempts == 3

    async def test_retry_after_is_honoured(self, sim_url: str) -> None:
        waits: list[float] = []

        async def remember(seconds: float) -> None:
            waits.append(seconds)

        _, headers = faulty("429", 1, **{"x-sim-fault-retry-after": "0.4"})
        gw = gateway(sim_url, {"m": {"model": "openai:sim-small", "headers": headers}}, ListSink())
        gw.retry = RetryPolicy(backoff_base_s=0.001, sleep=remember)

        await passed_through(gw, "m")

        assert len(waits) == 1
        assert waits[0] >= 0.4

    async def test_timeouts_are_retried(self, sim_url: str) -> None:
        key, headers = faulty("timeout", 1, **{"x-sim-timeout-s": "3"})
        entry = {"model": "openai:sim-small", "headers": headers, "timeout_s": 0.3}
        sink = ListSink()

        await passed_through(gateway(sim_url, {"m": entry}, sink), "m")

        assert attempts(sim_url, key) == 2
        assert sink.rows[0].attempts == 2

    async def test_exhausted_retries_raise_the_mapped_error_and_refund(self, sim_url: str) -> None:
        cases = {"429": UpstreamRateLimited, "500": UpstreamFailed}
        for kind, expected in cases.items():
            key, headers = faulty(kind, **{"x-sim-fault-retry-after": "0.01"})
            entry = {"model": "openai:sim-small", "headers": headers, "max_retries": 1}
            sink, budget = ListSink(), ReservingBudget(limit=10_000)
            with pytest.raises(expected):
                await passed_through(gateway(sim_url, {"m": entry}, sink, (budget,)), "m")
            assert attempts(sim_url, key) == 2
            assert sink.rows == []
            assert budget.events == ["reserve", "refund"]

    async def test_a_rejected_request_fails_fast_with_the_providers_reason(
        self, sim_url: str
    ) -> None:
        waits: list[float] = []

        async def remember(seconds: float) -> None:
            waits.append(seconds)

        gw = gateway(sim_url, {}, ListSink())
        gw.retry = RetryPolicy(sleep=remember)
        with pytest.raises(UpstreamRejected, match="n=1"):
            await passed_through(gw, "sim-small", n=2)
        assert waits == []

    async def test_the_fallback_answers_once_the_primary_is_exhausted(self, sim_url: str) -> None:
        key, headers = faulty("500")
        primary = {"model": "openai:sim-small", "headers": headers, "max_retries": 1}
        primary["fallbacks"] = ["backup"]
        sink = ListSink()
        models = {"primary": primary, "backup": {"model": "openai:sim-large"}}

        await passed_through(gateway(sim_url, models, sink), "primary")

        assert attempts(sim_url, key) == 2
        [row] = sink.rows
        assert (row.requested_model, row.model, row.attempts) == ("primary", "openai:sim-large", 3)
        assert row.cost_nusd == cost_nusd(DEFAULT_PRICES["sim-large"], row.tokens)


async def streamed(
    gw: Gateway, name: str, question: str = QUESTION, **fields: object
) -> AsyncIterator[AIMessageChunk]:
    """A streamed call as ``/v1/chat/completions`` makes it."""
    wire = {"messages": [{"role": "user", "content": question}], **fields}
    request = gw.request(
        name, [HumanMessage(question)], {}, CallContext(), streaming=True, wire=wire
    )
    async for chunk in gw.stream(request):
        assert isinstance(chunk.message, AIMessageChunk)
        yield chunk.message


class TestStreams:
    async def test_a_stream_is_retried_before_its_first_chunk_and_recorded_once(
        self, sim_url: str
    ) -> None:
        key, headers = faulty("500", 1, **{"x-sim-fault-retry-after": "0.01"})
        sink = ListSink()
        gw = gateway(sim_url, {"m": {"model": "openai:sim-small", "headers": headers}}, sink)

        chunks = [chunk async for chunk in streamed(gw, "m")]

        assert len(chunks) > 3
        assert "semantic" in "".join(chunk.text for chunk in chunks)
        assert attempts(sim_url, key) == 2
        assert aiohttp_only(sim_url, key)
        [row] = sink.rows
        assert (row.attempts, row.estimated) == (2, False)
        assert row.tokens.output == sum(1 for chunk in chunks if chunk.content)
        merged = chunks[0]
        for chunk in chunks[1:]:
            merged = merged + chunk
        assert merged.response_metadata["finish_reason"] == "stop"

    async def test_a_streamed_tool_call_merges_into_one_call(self, sim_url: str) -> None:
        gw = gateway(sim_url, {}, ListSink())

        chunks = [
            chunk
            async for chunk in streamed(
                gw, "sim-small", "What is the weather in Lisbon?", tools=[WEATHER_TOOL]
            )
        ]

        merged = chunks[0]
        for chunk in chunks[1:]:
            merged = merged + chunk
        [call] = merged.tool_calls
        assert (call["name"], call["args"]) == ("get_weather", {"city": "Lisbon"})
        assert merged.response_metadata["finish_reason"] == "tool_calls"

    async def test_a_stream_cut_midway_raises_refunds_and_records_nothing(
        self, sim_url: str
    ) -> None:
        budget, sink = ReservingBudget(limit=10_000), ListSink()
        models = {"m": {"model": "openai:sim-small", "headers": {"x-sim-fault": "drop"}}}
        gw = gateway(sim_url, models, sink, (budget,))
        received: list[str] = []

        async def read_all() -> None:
            async for chunk in streamed(gw, "m"):
                received.append(chunk.text)

        with pytest.raises(UpstreamFailed):
            await read_all()

        assert len(received) > 1
        assert budget.events == ["reserve", "refund"]
        assert sink.rows == []

    async def test_a_caller_that_stops_reading_is_refunded(self, sim_url: str) -> None:
        budget, sink = ReservingBudget(limit=10_000), ListSink()
        gw = gateway(sim_url, {}, sink, (budget,))
        wire = {"messages": [{"role": "user", "content": QUESTION}]}
        request = gw.request(
            "sim-small", [HumanMessage(QUESTION)], {}, CallContext(), streaming=True, wire=wire
        )
        stream = gw.stream(request)

        await anext(stream)
        await stream.aclose()

        assert budget.events == ["reserve", "refund"]
        assert sink.rows == []


class TestReading:
    def test_only_openai_models_without_constructor_options_are_served(self) -> None:
        def spec(provider: str, **params: object) -> ModelSpec:
            return ModelSpec("m", provider, "x", 1.0, 0, params=params)  # type: ignore[arg-type]

        assert serves(spec("openai", temperature=0.2, seed=7))
        assert not serves(spec("openai", use_responses_api=True))
        assert not serves(spec("anthropic"))

    def test_a_completion_reads_as_langchain_reads_it(self) -> None:
        completion = {
            "id": "chatcmpl-1",
            "model": "gpt-x",
            "choices": [
                {
                    "finish_reason": "tool_calls",
                    "message": {
                        "role": "assistant",
                        "content": None,
                        "tool_calls": [
                            {
                                "id": "call_1",
                                "type": "function",
                                "function": {"name": "f", "arguments": '{"a": 1}'},
                            },
                            {
                                "id": "call_2",
                                "type": "function",
                                "function": {"name": "g", "arguments": "{not json"},
                            },
                        ],
                    },
                }
            ],
            "usage": {
                "prompt_tokens": 10,
                "completion_tokens": 4,
                "prompt_tokens_details": {"cached_tokens": 6},
                "completion_tokens_details": {"reasoning_tokens": 2},
            },
        }

        message = to_message(completion)

        assert [(c["name"], c["args"], c["id"]) for c in message.tool_calls] == [
            ("f", {"a": 1}, "call_1")
        ]
        assert [c["name"] for c in message.invalid_tool_calls] == ["g"]
        assert message.usage_metadata == {
            "input_tokens": 10,
            "output_tokens": 4,
            "total_tokens": 14,
            "input_token_details": {"cache_read": 6},
            "output_token_details": {"reasoning": 2},
        }
        assert message.response_metadata["model_name"] == "gpt-x"

    def test_stream_chunks_read_as_langchain_reads_them(self) -> None:
        piece = {
            "id": "c1",
            "model": "gpt-x",
            "choices": [
                {
                    "index": 0,
                    "delta": {
                        "tool_calls": [
                            {"index": 0, "id": "call_1", "function": {"name": "f", "arguments": ""}}
                        ]
                    },
                    "finish_reason": None,
                }
            ],
        }
        rest = {
            "id": "c1",
            "model": "gpt-x",
            "choices": [
                {
                    "index": 0,
                    "delta": {"tool_calls": [{"index": 0, "function": {"arguments": '{"a": 1}'}}]},
                    "finish_reason": "tool_calls",
                }
            ],
        }
        usage = {"id": "c1", "choices": [], "usage": {"prompt_tokens": 5, "completion_tokens": 2}}

        merged = to_chunk(piece) + to_chunk(rest) + to_chunk(usage)

        assert [(c["name"], c["args"]) for c in merged.tool_calls] == [("f", {"a": 1})]
        assert merged.response_metadata == {"finish_reason": "tool_calls", "model_name": "gpt-x"}
        assert merged.usage_metadata is not None
        assert merged.usage_metadata["output_tokens"] == 2

    def test_upstream_statuses_classify_as_the_sdk_errors_do(self) -> None:
        limited = classify(UpstreamStatus(429, {"retry-after": "2"}, {"error": {"message": "x"}}))
        assert limited is not None
        assert (limited.kind, limited.retry_after_s, limited.message) == ("rate_limit", 2.0, "x")
        rejected = classify(UpstreamStatus(400, {}, "plain text reason"))
        assert rejected is not None
        assert (rejected.kind, rejected.message) == ("permanent", "plain text reason")

    def test_proxies_come_from_the_environment(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("HTTPS_PROXY", "http://proxy.internal:3128")
        monkeypatch.setenv("NO_PROXY", "llm.internal")
        _proxy.cache_clear()
        try:
            assert _proxy("https://api.example.com/v1") == "http://proxy.internal:3128"
            assert _proxy("https://llm.internal/v1") is None
        finally:
            _proxy.cache_clear()
