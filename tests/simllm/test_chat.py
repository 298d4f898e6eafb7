"""Chat completions through the real `openai` SDK: answers, usage, streaming, validation."""

from __future__ import annotations

import json

import httpx
import openai
import pytest
from openai.types.chat import ChatCompletionMessageParam
from pydantic import BaseModel

QUESTION: list[ChatCompletionMessageParam] = [
    {"role": "system", "content": "You are terse."},
    {"role": "user", "content": "How do vector caches speed up retrieval?"},
]


class TestAnswers:
    def test_answer_echoes_the_question_and_fills_usage(self, client: openai.OpenAI) -> None:
        reply = client.chat.completions.create(model="sim-small", messages=QUESTION)

        content = reply.choices[0].message.content
        assert content is not None
        assert "vector" in content
        assert "caches" in content
        assert reply.choices[0].finish_reason == "stop"
        assert reply.model == "sim-small"
        assert reply.usage is not None
        assert reply.usage.prompt_tokens > 0
        assert reply.usage.completion_tokens > 0
        assert reply.usage.total_tokens == reply.usage.prompt_tokens + reply.usage.completion_tokens

    def test_same_messages_same_answer(self, client: openai.OpenAI) -> None:
        first = client.chat.completions.create(model="sim-small", messages=QUESTION)
        second = client.chat.completions.create(model="any-model-id", messages=QUESTION)
        other = client.chat.completions.create(
            model="sim-small", messages=[{"role": "user", "content": "Explain Celery retries"}]
        )

        assert first.choices[0].message.content == second.choices[0].message.content
        assert first.choices[0].message.content != other.choices[0].message.content

    def test_content_parts_count_as_text(self, client: openai.OpenAI) -> None:
        reply = client.chat.completions.create(
            model="sim-small",
            messages=[
                {
                    "role": "user",
                    "content": [
                        {"type": "text", "text": "Describe Lisbon"},
                        {"type": "text", "text": "and its trams"},
                    ],
                }
            ],
        )

        content = reply.choices[0].message.content or ""
        assert "Lisbon" in content
        assert "trams" in content

    def test_token_limit_truncates_with_finish_reason_length(self, client: openai.OpenAI) -> None:
        legacy = client.chat.completions.create(model="sim-small", messages=QUESTION, max_tokens=5)
        current = client.chat.completions.create(
            model="sim-small", messages=QUESTION, max_completion_tokens=5
        )

        for reply in (legacy, current):
            assert reply.choices[0].finish_reason == "length"
            assert reply.usage is not None
            assert reply.usage.completion_tokens == 5
        assert legacy.choices[0].message.content == current.choices[0].message.content

    def test_json_object_answer_is_json(self, client: openai.OpenAI) -> None:
        reply = client.chat.completions.create(
            model="sim-small", messages=QUESTION, response_format={"type": "json_object"}
        )

        assert "answer" in json.loads(reply.choices[0].message.content or "")

    def test_json_schema_answer_parses_into_the_model(self, client: openai.OpenAI) -> None:
        class Trip(BaseModel):
            city: str
            days: int
            mode: str
            tags: list[str]

        reply = client.chat.completions.parse(
            model="sim-small",
            messages=[{"role": "user", "content": "Plan 3 days in the city Porto"}],
            response_format=Trip,
        )

        trip = reply.choices[0].message.parsed
        assert trip is not None
        assert trip.city == "Porto"
        assert trip.days == 3


class TestStreaming:
    def test_stream_matches_the_plain_answer_and_ends_with_usage(
        self, client: openai.OpenAI
    ) -> None:
        plain = client.chat.completions.create(model="sim-small", messages=QUESTION)
        chunks = list(
            client.chat.completions.create(
                model="sim-small",
                messages=QUESTION,
                stream=True,
                stream_options={"include_usage": True},
            )
        )

        pieces = [c.choices[0].delta.content for c in chunks if c.choices]
        assert chunks[0].choices[0].delta.role == "assistant"
        assert "".join(p or "" for p in pieces) == plain.choices[0].message.content
        assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "stop"
        assert chunks[-1].choices == []
        assert chunks[-1].usage is not None
        assert chunks[-1].usage.completion_tokens == len([p for p in pieces if p])
        assert chunks[-1].usage == plain.usage

    def test_stream_without_usage_has_no_usage_chunk(self, client: openai.OpenAI) -> None:
        chunks = list(
            client.chat.completions.create(model="sim-small", messages=QUESTION, stream=True)
        )

        assert all(chunk.choices for chunk in chunks)
        assert all(chunk.usage is None for chunk in chunks)

    def test_raw_stream_is_sse_ending_with_done(self, sim_url: str) -> None:
        body = {"model": "sim-small", "messages": QUESTION, "stream": True}
        response = httpx.post(f"{sim_url}/chat/completions", json=body)

        assert response.headers["content-type"].startswith("text/event-stream")
        events = [line for line in response.text.split("\n\n") if line]
        assert all(event.startswith("data: ") for event in events)
        assert events[-1] == "data: [DONE]"


class TestAsyncClient:
    async def test_plain_and_streamed(self, async_client: openai.AsyncOpenAI) -> None:
        plain = await async_client.chat.completions.create(model="sim-small", messages=QUESTION)
        stream = await async_client.chat.completions.create(
            model="sim-small", messages=QUESTION, stream=True
        )
        pieces = [chunk.choices[0].delta.content or "" async for chunk in stream if chunk.choices]

        assert "".join(pieces) == plain.choices[0].message.content


class TestValidation:
    def test_n_above_one_is_a_bad_request(self, client: openai.OpenAI) -> None:
        with pytest.raises(openai.BadRequestError) as caught:
            client.chat.completions.create(model="sim-small", messages=QUESTION, n=2)

        assert caught.value.param == "n"

    def test_errors_use_openais_envelope_with_400(self, sim_url: str) -> None:
        missing = httpx.post(f"{sim_url}/chat/completions", json={"model": "sim-small"})
        broken = httpx.post(
            f"{sim_url}/chat/completions",
            content=b"{not json",
            headers={"content-type": "application/json"},
        )

        assert missing.status_code == 400
        assert missing.json() == {
            "error": {
                "message": "Missing required parameter: 'messages'.",
                "type": "invalid_request_error",
                "param": "messages",
                "code": "missing_required_parameter",
            }
        }
        assert broken.status_code == 400
        assert set(broken.json()["error"]) == {"message", "type", "param", "code"}

    def test_unknown_fault_header_is_rejected(self, client: openai.OpenAI) -> None:
        with pytest.raises(openai.BadRequestError, match="x-sim-fault"):
            client.chat.completions.create(
                model="sim-small", messages=QUESTION, extra_headers={"x-sim-fault": "gremlins"}
            )
