"""Injected faults as the `openai` SDK sees them, and client retries observed through them."""

from __future__ import annotations

import time

import httpx
import openai
import pytest
from openai.types.chat import ChatCompletionMessageParam

from colmeia.simllm.server import SimLLMConfig
from colmeia.simllm.testing import running_sim_llm

HELLO: list[ChatCompletionMessageParam] = [{"role": "user", "content": "Summarise the roadmap"}]


def _fault(kind: str, **extra: str) -> dict[str, str]:
    return {"x-sim-fault": kind, **extra}


class TestInjectedByHeader:
    def test_429_carries_retry_after(self, client: openai.OpenAI) -> None:
        with pytest.raises(openai.RateLimitError) as caught:
            client.chat.completions.create(
                model="sim-small",
                messages=HELLO,
                extra_headers=_fault("429", **{"x-sim-fault-retry-after": "7"}),
            )

        assert caught.value.response.headers["retry-after"] == "7"
        assert caught.value.code == "rate_limit_exceeded"

    def test_500_is_an_internal_server_error(self, client: openai.OpenAI) -> None:
        with pytest.raises(openai.InternalServerError):
            client.chat.completions.create(
                model="sim-small", messages=HELLO, extra_headers=_fault("500")
            )

    def test_timeout_outlasts_the_client(self, client: openai.OpenAI) -> None:
        started = time.monotonic()
        with pytest.raises(openai.APITimeoutError):
            client.with_options(timeout=0.3).chat.completions.create(
                model="sim-small",
                messages=HELLO,
                extra_headers=_fault("timeout", **{"x-sim-timeout-s": "3"}),
            )

        assert time.monotonic() - started < 2

    def test_drop_breaks_a_stream_after_some_chunks(self, client: openai.OpenAI) -> None:
        received: list[str] = []
        stream = client.chat.completions.create(
            model="sim-small", messages=HELLO, stream=True, extra_headers=_fault("drop")
        )
        with pytest.raises(openai.APIConnectionError):
            received.extend(chunk.choices[0].delta.content or "" for chunk in stream)

        assert len(received) > 1

    def test_drop_cuts_a_plain_response(self, client: openai.OpenAI) -> None:
        with pytest.raises(openai.APIConnectionError):
            client.chat.completions.create(
                model="sim-small", messages=HELLO, extra_headers=_fault("drop")
            )

    def test_embeddings_get_faults_too(self, client: openai.OpenAI) -> None:
        with pytest.raises(openai.RateLimitError):
            client.embeddings.create(model="e", input="x", extra_headers=_fault("429"))


class TestFailTimes:
    @pytest.mark.parametrize("kind", ["429", "500"])
    def test_retries_succeed_after_n_failures(self, sim_url: str, kind: str) -> None:
        key = f"fail-twice-{kind}"
        headers = {
            "x-sim-fail-times": "2",
            "x-sim-fault-key": key,
            "x-sim-fault": kind,
            "x-sim-fault-retry-after": "0.01",
        }
        with openai.OpenAI(base_url=sim_url, api_key="x", max_retries=3) as sdk:
            raw = sdk.chat.completions.with_raw_response.create(
                model="sim-small", messages=HELLO, extra_headers=headers
            )

        assert raw.headers["x-sim-attempt"] == "3"
        assert raw.parse().choices[0].message.content
        counted = httpx.get(f"{sim_url.removesuffix('/v1')}/sim/attempts/{key}").json()
        assert counted["attempts"] == 3
        [client] = counted["clients"]
        assert client.startswith("OpenAI/Python")

    async def test_too_few_retries_surface_the_fault(self, sim_url: str) -> None:
        headers = {"x-sim-fail-times": "3", "x-sim-fault-key": "async-fail-thrice"}
        headers["x-sim-fault-retry-after"] = "0.01"
        async with openai.AsyncOpenAI(base_url=sim_url, api_key="x", max_retries=1) as sdk:
            with pytest.raises(openai.InternalServerError):
                await sdk.chat.completions.create(
                    model="sim-small", messages=HELLO, extra_headers=headers
                )


class TestConfiguredRates:
    def test_seeded_rates_replay_the_same_faults(self) -> None:
        config = SimLLMConfig(fault_rate_429=0.25, fault_rate_500=0.25, seed=11)

        first, second = _outcomes(config, 16), _outcomes(config, 16)

        assert first == second
        assert {"ok", "RateLimitError", "InternalServerError"} <= set(first)


def _outcomes(config: SimLLMConfig, count: int) -> list[str]:
    outcomes: list[str] = []
    with (
        running_sim_llm(config) as base_url,
        openai.OpenAI(base_url=base_url, api_key="x", max_retries=0) as sdk,
    ):
        for _ in range(count):
            try:
                sdk.chat.completions.create(model="sim-small", messages=HELLO)
            except openai.APIStatusError as error:
                outcomes.append(type(error).__name__)
            else:
                outcomes.append("ok")
    return outcomes
