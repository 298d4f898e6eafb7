"""Tool calls through the `openai` SDK: choice, argument filling, streaming deltas, follow-up."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Literal

import openai
import pytest
from openai.types.chat import (
    ChatCompletion,
    ChatCompletionMessageFunctionToolCall,
    ChatCompletionMessageParam,
    ChatCompletionToolChoiceOptionParam,
    ChatCompletionToolParam,
)
from pydantic import BaseModel, Field

WEATHER: ChatCompletionToolParam = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather for a city",
        "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string"},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
                "days": {"type": "integer", "minimum": 1, "maximum": 7},
                "hourly": {"type": "boolean"},
                "options": {
                    "type": "object",
                    "properties": {"alerts": {"type": "array", "items": {"type": "string"}}},
                    "required": ["alerts"],
                },
            },
            "required": ["city", "unit", "days", "options"],
        },
    },
}
SEARCH: ChatCompletionToolParam = {
    "type": "function",
    "function": {
        "name": "search_documents",
        "description": "Full-text search over the document store",
        "parameters": {
            "type": "object",
            "properties": {"query": {"type": "string"}, "limit": {"type": "integer"}},
            "required": ["query"],
        },
    },
}
TOOLS = [SEARCH, WEATHER]
ASK_WEATHER: list[ChatCompletionMessageParam] = [
    {"role": "user", "content": "What is the weather in Lisbon for 3 days, in fahrenheit?"}
]


def _only_call(reply: ChatCompletion) -> tuple[str, dict[str, object]]:
    calls = reply.choices[0].message.tool_calls or []
    assert len(calls) == 1
    call = calls[0]
    assert isinstance(call, ChatCompletionMessageFunctionToolCall)
    assert call.id.startswith("call_")
    return call.function.name, json.loads(call.function.arguments)


class TestToolChoice:
    def test_picks_best_matching_tool_and_fills_arguments(self, client: openai.OpenAI) -> None:
        reply = client.chat.completions.create(model="sim-small", messages=ASK_WEATHER, tools=TOOLS)

        name, arguments = _only_call(reply)
        assert reply.choices[0].finish_reason == "tool_calls"
        assert reply.choices[0].message.content is None
        assert name == "get_weather"
        assert arguments == {
            "city": "Lisbon",
            "unit": "fahrenheit",
            "days": 3,
            "options": {"alerts": ["Lisbon"]},
        }

    def test_same_request_same_call(self, client: openai.OpenAI) -> None:
        first = client.chat.completions.create(model="sim-small", messages=ASK_WEATHER, tools=TOOLS)
        second = client.chat.completions.create(
            model="sim-small", messages=ASK_WEATHER, tools=TOOLS
        )

        assert first.choices[0].message.tool_calls == second.choices[0].message.tool_calls

    def test_search_words_pick_search(self, client: openai.OpenAI) -> None:
        reply = client.chat.completions.create(
            model="sim-small",
            messages=[{"role": "user", "content": "search the documents for quarterly revenue"}],
            tools=TOOLS,
        )

        assert _only_call(reply) == ("search_documents", {"query": "quarterly revenue"})

    def test_unrelated_question_gets_prose(self, client: openai.OpenAI) -> None:
        reply = client.chat.completions.create(
            model="sim-small", messages=[{"role": "user", "content": "Tell a joke"}], tools=TOOLS
        )

        assert reply.choices[0].finish_reason == "stop"
        assert reply.choices[0].message.tool_calls is None

    @pytest.mark.parametrize(
        ("question", "tool_choice", "expected"),
        [
            ("What is the weather in Lisbon?", "none", None),
            ("Tell a joke", "required", "search_documents"),
            (
                "What is the weather in Lisbon?",
                {"type": "function", "function": {"name": "search_documents"}},
                "search_documents",
            ),
        ],
    )
    def test_tool_choice_is_honoured(
        self,
        client: openai.OpenAI,
        question: str,
        tool_choice: ChatCompletionToolChoiceOptionParam,
        expected: str | None,
    ) -> None:
        reply = client.chat.completions.create(
            model="sim-small",
            messages=[{"role": "user", "content": question}],
            tools=TOOLS,
            tool_choice=tool_choice,
        )

        calls = reply.choices[0].message.tool_calls or []
        assert [
            c.function.name for c in calls if isinstance(c, ChatCompletionMessageFunctionToolCall)
        ] == ([expected] if expected else [])


class Address(BaseModel):
    street: str
    city: str


class CreateBooking(BaseModel):
    """Book a table at a restaurant."""

    restaurant: str
    guests: int = Field(ge=1, le=12)
    when: datetime
    seating: Literal["indoor", "outdoor"]
    notes: str | None
    address: Address
    dietary: list[Literal["vegan", "halal", "none"]] = Field(min_length=1)


class TestSchemaFilling:
    def test_arguments_validate_against_a_pydantic_strict_schema(
        self, client: openai.OpenAI
    ) -> None:
        reply = client.chat.completions.create(
            model="sim-small",
            messages=[{"role": "user", "content": "Book restaurant Tasca for 4, outdoor, vegan"}],
            tools=[openai.pydantic_function_tool(CreateBooking)],
        )

        name, arguments = _only_call(reply)
        booking = CreateBooking.model_validate(arguments)
        assert name == "CreateBooking"
        assert booking.restaurant == "Tasca"
        assert booking.guests == 4
        assert booking.seating == "outdoor"
        assert booking.dietary == ["vegan"]


class TestToolLoop:
    def test_answer_after_tool_result_quotes_it(self, client: openai.OpenAI) -> None:
        first = client.chat.completions.create(model="sim-small", messages=ASK_WEATHER, tools=TOOLS)
        call = (first.choices[0].message.tool_calls or [])[0]
        history: list[ChatCompletionMessageParam] = [
            *ASK_WEATHER,
            first.choices[0].message.model_dump(exclude_none=True),  # type: ignore[list-item]
            {"role": "tool", "tool_call_id": call.id, "content": "Sunny, 75F all week"},
        ]

        final = client.chat.completions.create(model="sim-small", messages=history, tools=TOOLS)

        assert final.choices[0].finish_reason == "stop"
        assert "Sunny, 75F all week" in (final.choices[0].message.content or "")
        assert "get_weather" in (final.choices[0].message.content or "")

    def test_streamed_call_uses_openai_deltas(self, client: openai.OpenAI) -> None:
        plain = client.chat.completions.create(model="sim-small", messages=ASK_WEATHER, tools=TOOLS)
        chunks = list(
            client.chat.completions.create(
                model="sim-small", messages=ASK_WEATHER, tools=TOOLS, stream=True
            )
        )

        deltas = [c.choices[0].delta.tool_calls[0] for c in chunks if c.choices[0].delta.tool_calls]
        assert deltas[0].id is not None
        assert deltas[0].function is not None
        assert deltas[0].function.name == "get_weather"
        assert all(d.index == 0 and d.id is None for d in deltas[1:])
        arguments = "".join((d.function.arguments or "") if d.function else "" for d in deltas)
        expected = (plain.choices[0].message.tool_calls or [])[0]
        assert isinstance(expected, ChatCompletionMessageFunctionToolCall)
        assert arguments == expected.function.arguments
        assert chunks[-1].choices[0].finish_reason == "tool_calls"
