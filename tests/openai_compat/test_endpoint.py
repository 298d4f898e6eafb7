"""``/v1/chat/completions`` and ``/v1/models`` driven by the official ``openai`` SDK and by
LangChain's ``ChatOpenAI`` pointed at Colmeia (upstream: the simulated LLM)."""

from __future__ import annotations

import json

import httpx
import openai
import pytest
from langchain_core.messages import AIMessageChunk
from langchain_openai import ChatOpenAI

from tests.llm.helpers import WEATHER_TOOL
from tests.openai_compat.conftest import Served

HELLO = [{"role": "user", "content": "What makes semantic caches effective?"}]


def _client(served: Served, key: str | None = None) -> openai.OpenAI:
    return openai.OpenAI(base_url=served.v1, api_key=key or served.credential.key, max_retries=0)


class TestChatCompletions:
    def test_sync_completion_with_usage(self, served: Served) -> None:
        with _client(served) as client:
            reply = client.chat.completions.create(model="fast", messages=HELLO)  # type: ignore[arg-type]
        assert reply.object == "chat.completion"
        assert reply.model == "fast"
        assert "semantic" in (reply.choices[0].message.content or "")
        assert reply.choices[0].finish_reason == "stop"
        assert reply.usage is not None
        assert reply.usage.completion_tokens > 0

    async def test_async_completion_and_max_tokens(self, served: Served) -> None:
        async with openai.AsyncOpenAI(
            base_url=served.v1, api_key=served.credential.key, max_retries=0
        ) as client:
            reply = await client.chat.completions.create(
                model="sim-small",
                messages=HELLO,  # type: ignore[arg-type]
                max_completion_tokens=3,
            )
        assert reply.choices[0].finish_reason == "length"
        assert reply.usage is not None
        assert reply.usage.completion_tokens == 3

    def test_stream_with_final_usage_chunk(self, served: Served) -> None:
        with _client(served) as client:
            plain = client.chat.completions.create(model="fast", messages=HELLO)  # type: ignore[arg-type]
            stream = client.chat.completions.create(
                model="fast",
                messages=HELLO,  # type: ignore[arg-type]
                stream=True,
                stream_options={"include_usage": True},
            )
            chunks = list(stream)
        text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
        assert text == plain.choices[0].message.content
        assert chunks[-1].choices == []
        assert chunks[-1].usage is not None
        assert chunks[-1].usage.total_tokens == plain.usage.total_tokens  # type: ignore[union-attr]
        assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "stop"

    def test_tool_calls_pass_through(self, served: Served) -> None:
        ask = [{"role": "user", "content": "What is the weather in Lisbon?"}]
        with _client(served) as client:
            reply = client.chat.completions.create(
                model="fast",
                messages=ask,  # type: ignore[arg-type]
                tools=[WEATHER_TOOL],  # type: ignore[list-item]
            )
            call = reply.choices[0].message.tool_calls[0]  # type: ignore[index]
            follow_up = [
                *ask,
                {"role": "assistant", "content": None, "tool_calls": [call.model_dump()]},
                {"role": "tool", "tool_call_id": call.id, "content": "Sunny, 22 degrees"},
            ]
            answer = client.chat.completions.create(
                model="fast",
                messages=follow_up,  # type: ignore[arg-type]
                tools=[WEATHER_TOOL],  # type: ignore[list-item]
            )
        assert reply.choices[0].finish_reason == "tool_calls"
        assert call.function.name == "get_weather"  # type: ignore[union-attr]
        assert json.loads(call.function.arguments) == {"city": "Lisbon"}  # type: ignore[union-attr]
        assert "Sunny, 22 degrees" in (answer.choices[0].message.content or "")

    def test_response_format_json_schema(self, served: Served) -> None:
        schema = {
            "type": "object",
            "properties": {"city": {"type": "string"}, "celsius": {"type": "number"}},
            "required": ["city", "celsius"],
        }
        with _client(served) as client:
            reply = client.chat.completions.create(
                model="fast",
                messages=[{"role": "user", "content": "city Porto is 18 celsius"}],
                response_format={
                    "type": "json_schema",
                    "json_schema": {"name": "f", "schema": schema},
                },
            )
        assert json.loads(reply.choices[0].message.content or "") == {
            "city": "Porto",
            "celsius": 18,
        }

    def test_list_models(self, served: Served) -> None:
        with _client(served) as client:
            names = [model.id for model in client.models.list()]
        assert {"fast", "limited", "broken", "sim-small"} <= set(names)


class TestErrors:
    def test_bad_key_is_401(self, served: Served) -> None:
        with _client(served, key="cmk_deadbeef_notarealkeynotarealkey") as client:
            with pytest.raises(openai.AuthenticationError) as raised:
                client.chat.completions.create(model="fast", messages=HELLO)  # type: ignore[arg-type]
        assert raised.value.body["type"] == "authentication_error"  # type: ignore[index]

    @pytest.mark.parametrize("model", ["nosuchprovider:model", "agent:helper"])
    def test_unknown_model_and_agent_are_404(self, served: Served, model: str) -> None:
        with _client(served) as client:
            with pytest.raises(openai.NotFoundError) as raised:
                client.chat.completions.create(model=model, messages=HELLO)  # type: ignore[arg-type]
        assert raised.value.code == "model_not_found"
        if model.startswith("agent:"):
            assert "no assistant with that id or name" in raised.value.message

    def test_n_above_one_and_bad_bodies_are_400(self, served: Served) -> None:
        with _client(served) as client:
            with pytest.raises(openai.BadRequestError) as raised:
                client.chat.completions.create(model="fast", messages=HELLO, n=2)  # type: ignore[arg-type]
            assert raised.value.param == "n"
            with pytest.raises(openai.BadRequestError):
                client.chat.completions.create(model="fast", messages=[])
        response = httpx.post(
            f"{served.v1}/chat/completions",
            headers={"Authorization": f"Bearer {served.credential.key}"},
            content=b"{not json",
        )
        assert response.status_code == 400
        assert set(response.json()["error"]) == {"message", "type", "param", "code"}

    def test_malformed_messages_and_tools_are_400(self, served: Served) -> None:
        headers = {"Authorization": f"Bearer {served.credential.key}"}
        bodies = [
            {"model": "fast", "messages": [{"role": "wizard", "content": "hi"}]},
            {"model": "fast", "messages": HELLO, "tools": [{"type": "function"}]},
        ]
        for body in bodies:
            response = httpx.post(f"{served.v1}/chat/completions", headers=headers, json=body)
            assert response.status_code == 400, response.text
            assert response.json()["error"]["type"] == "invalid_request_error"

    def test_upstream_429_and_500_are_mapped(self, served: Served) -> None:
        with _client(served) as client:
            with pytest.raises(openai.RateLimitError) as limited:
                client.chat.completions.create(model="limited", messages=HELLO)  # type: ignore[arg-type]
            with pytest.raises(openai.APIStatusError) as broken:
                client.chat.completions.create(model="broken", messages=HELLO)  # type: ignore[arg-type]
        assert limited.value.response.headers["retry-after"] == "1"
        assert broken.value.status_code == 502
        assert "Traceback" not in broken.value.response.text

    def test_a_failing_stream_is_an_http_error_not_a_broken_200(self, served: Served) -> None:
        with _client(served) as client:
            with pytest.raises(openai.APIStatusError) as raised:
                list(client.chat.completions.create(model="broken", messages=HELLO, stream=True))  # type: ignore[arg-type]
        assert raised.value.status_code == 502


class TestStreamedToolsAndCuts:
    def test_streamed_tool_call(self, served: Served) -> None:
        ask = [{"role": "user", "content": "What is the weather in Lisbon?"}]
        with _client(served) as client:
            chunks = list(
                client.chat.completions.create(
                    model="fast",
                    messages=ask,  # type: ignore[arg-type]
                    tools=[WEATHER_TOOL],  # type: ignore[list-item]
                    stream=True,
                )
            )
        calls = [c.choices[0].delta.tool_calls for c in chunks if c.choices]
        pieces = [piece for call in calls if call for piece in call]
        assert pieces[0].id
        assert pieces[0].function.name == "get_weather"  # type: ignore[union-attr]
        arguments = "".join(p.function.arguments or "" for p in pieces)  # type: ignore[union-attr]
        assert json.loads(arguments) == {"city": "Lisbon"}
        assert chunks[-1].choices[0].finish_reason == "tool_calls"

    def test_a_stream_cut_upstream_ends_with_an_error_event(self, served: Served) -> None:
        received: list[str] = []
        with _client(served) as client:
            stream = client.chat.completions.create(model="dropping", messages=HELLO, stream=True)  # type: ignore[arg-type]
            with pytest.raises(openai.APIError, match="could not reach the provider"):
                received.extend(c.choices[0].delta.content or "" for c in stream)
        assert len(received) > 1


class TestLangChainClient:
    async def test_chat_openai_pointed_at_colmeia(self, served: Served) -> None:
        model = ChatOpenAI(
            base_url=served.v1,
            api_key=served.credential.key,
            model="fast",
            max_retries=0,  # type: ignore[arg-type]
        )
        reply = await model.ainvoke("Describe Redis streams")
        chunks = [c async for c in model.astream("Describe Redis streams", stream_usage=True)]
        merged = chunks[0]
        for chunk in chunks[1:]:
            merged = merged + chunk
        assert isinstance(merged, AIMessageChunk)
        assert merged.text == reply.text
        assert merged.usage_metadata is not None
        assert merged.usage_metadata["total_tokens"] > 0


class TestMetrics:
    def test_gateway_calls_are_counted_in_the_llm_metrics(self, served: Served) -> None:
        labels = {"model": "openai:sim-small", "agent": ""}
        before = _llm_metrics(served, labels)
        with _client(served) as client:
            client.chat.completions.create(model="fast", messages=HELLO)  # type: ignore[arg-type]
            list(client.chat.completions.create(model="fast", messages=HELLO, stream=True))  # type: ignore[arg-type]
            with pytest.raises(openai.RateLimitError):
                client.chat.completions.create(model="limited", messages=HELLO)  # type: ignore[arg-type]

        after = _llm_metrics(served, labels)

        assert after["colmeia_llm_calls_total:ok"] - before["colmeia_llm_calls_total:ok"] == 2
        assert (
            after["colmeia_llm_calls_total:rate_limited"]
            - before["colmeia_llm_calls_total:rate_limited"]
            == 1
        )
        assert after["colmeia_llm_tokens_total"] > before["colmeia_llm_tokens_total"]
        assert after["colmeia_llm_cost_usd_total"] > before["colmeia_llm_cost_usd_total"]


def _llm_metrics(served: Served, labels: dict[str, str]) -> dict[str, float]:
    """The LLM counters of ``labels`` on ``/metrics`` (calls by outcome, tokens, cost)."""
    from prometheus_client.parser import text_string_to_metric_families

    found = {
        "colmeia_llm_calls_total:ok": 0.0,
        "colmeia_llm_calls_total:rate_limited": 0.0,
        "colmeia_llm_tokens_total": 0.0,
        "colmeia_llm_cost_usd_total": 0.0,
    }
    text = httpx.get(f"{served.base}/metrics").text
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if any(sample.labels.get(k) != v for k, v in labels.items()):
                continue
            if sample.name == "colmeia_llm_calls_total":
                key = f"{sample.name}:{sample.labels['outcome']}"
                found[key] = found.get(key, 0.0) + sample.value
            elif sample.name in found:
                found[sample.name] += sample.value
    return found
