"""Embeddings, models, auth and latency through the `openai` SDK."""

from __future__ import annotations

import math
import time

import openai
import pytest

from colmeia.simllm.server import SimLLMConfig
from colmeia.simllm.testing import running_sim_llm


def _cosine(left: list[float], right: list[float]) -> float:
    return sum(a * b for a, b in zip(left, right, strict=True))


class TestEmbeddings:
    def test_unit_vectors_deterministic_and_word_sensitive(self, client: openai.OpenAI) -> None:
        texts = ["semantic cache hit", "semantic cache hit", "semantic cache miss", "Lisbon"]

        result = client.embeddings.create(model="sim-embed", input=texts)

        vectors = [item.embedding for item in result.data]
        assert [len(vector) for vector in vectors] == [384] * 4
        assert all(math.isclose(_cosine(v, v), 1.0, rel_tol=1e-5) for v in vectors)
        assert vectors[0] == vectors[1]
        assert _cosine(vectors[0], vectors[2]) > _cosine(vectors[0], vectors[3])
        assert result.usage.prompt_tokens == result.usage.total_tokens > 0

    def test_single_string_float_format_and_dimensions(self, client: openai.OpenAI) -> None:
        as_float = client.embeddings.create(
            model="e", input="hello", encoding_format="float", dimensions=16
        )
        as_base64 = client.embeddings.create(model="e", input="hello", dimensions=16)

        assert len(as_float.data) == 1
        assert len(as_float.data[0].embedding) == 16
        assert as_float.data[0].embedding == pytest.approx(as_base64.data[0].embedding, abs=1e-6)

    async def test_async_client(self, async_client: openai.AsyncOpenAI) -> None:
        result = await async_client.embeddings.create(model="e", input=[[1, 2, 3]])

        assert len(result.data[0].embedding) == 384


class TestModels:
    def test_lists_configured_models_and_accepts_any(self, client: openai.OpenAI) -> None:
        listed = [model.id for model in client.models.list()]

        assert listed == ["sim-small", "sim-large"]
        assert client.models.retrieve("gpt-4o-mini").id == "gpt-4o-mini"


class TestApiKey:
    def test_key_is_required_when_configured(self) -> None:
        with running_sim_llm(SimLLMConfig(api_key="s3cret")) as base_url:
            with (
                openai.OpenAI(base_url=base_url, api_key="wrong", max_retries=0) as intruder,
                pytest.raises(openai.AuthenticationError),
            ):
                intruder.models.list()
            with openai.OpenAI(base_url=base_url, api_key="s3cret", max_retries=0) as owner:
                assert owner.models.list().data


class TestLatency:
    def test_header_sets_time_to_first_token(self, client: openai.OpenAI) -> None:
        started = time.monotonic()
        stream = client.chat.completions.create(
            model="sim-small",
            messages=[{"role": "user", "content": "hi there, latency check"}],
            stream=True,
            extra_headers={"x-sim-ttft-ms": "150", "x-sim-token-ms": "5"},
        )
        first = next(iter(stream))
        first_at = time.monotonic() - started
        rest = list(stream)
        total = time.monotonic() - started

        assert first.choices[0].delta.role == "assistant"
        assert first_at >= 0.15
        assert total >= 0.15 + 0.005 * (len(rest) - 3)

    def test_configured_latency_delays_plain_answers(self) -> None:
        with (
            running_sim_llm(SimLLMConfig(ttft_ms=100, token_ms=2)) as base_url,
            openai.OpenAI(base_url=base_url, api_key="x", max_retries=0) as sdk,
        ):
            started = time.monotonic()
            reply = sdk.chat.completions.create(
                model="sim-small", messages=[{"role": "user", "content": "latency please"}]
            )
            elapsed = time.monotonic() - started

        assert reply.usage is not None
        assert elapsed >= 0.1 + 0.002 * (reply.usage.completion_tokens - 1)
