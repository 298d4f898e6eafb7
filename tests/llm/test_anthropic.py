"""The Anthropic path: the real ``anthropic`` client (through ``langchain-anthropic``) against a
local server speaking the Messages wire format, through the gateway."""

from __future__ import annotations

import uuid

import httpx

from colmeia.llm.prices import DEFAULT_PRICES, cost_nusd
from tests.llm.helpers import ListSink, gateway


def _entry(anthropic_url: str, key: str, fail_times: int) -> dict[str, object]:
    return {
        "model": "anthropic:claude-haiku-4-5",
        "base_url": anthropic_url,
        "api_key": "sk-ant-test",
        "headers": {"x-test-fail-times": str(fail_times), "x-test-key": key},
    }


class TestAnthropicMessages:
    async def test_overloaded_529_is_retried_and_usage_priced(
        self, sim_url: str, anthropic_url: str
    ) -> None:
        key, sink = uuid.uuid4().hex, ListSink()
        models = {"claude": _entry(anthropic_url, key, fail_times=1)}

        reply = await gateway(sim_url, models, sink).chat_model("claude").ainvoke("hello claude")

        assert reply.text == "Claude (local) heard: hello claude"
        assert httpx.get(f"{anthropic_url}/attempts/{key}").json() == {"attempts": 2}
        [row] = sink.rows
        assert (row.model, row.attempts, row.tokens.input) == ("anthropic:claude-haiku-4-5", 2, 12)
        assert row.cost_nusd == cost_nusd(DEFAULT_PRICES["claude-haiku-4-5"], row.tokens) > 0

    async def test_streaming(self, sim_url: str, anthropic_url: str) -> None:
        sink = ListSink()
        models = {"claude": _entry(anthropic_url, uuid.uuid4().hex, fail_times=0)}
        model = gateway(sim_url, models, sink).chat_model("claude")

        text = "".join([chunk.text async for chunk in model.astream("stream please")])

        assert text.strip() == "Claude (local) heard: stream please"
        [row] = sink.rows
        assert (row.tokens.input, row.tokens.output) == (12, 5)
