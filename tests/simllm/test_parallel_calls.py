"""Several questions in one message: one tool call per question, through the `openai` SDK;
and request-like string arguments carrying the whole question."""

from __future__ import annotations

import json

import openai
from openai.types.chat import ChatCompletionMessageFunctionToolCall, ChatCompletionToolParam


def _tool(name: str, description: str, prop: str) -> ChatCompletionToolParam:
    return {
        "type": "function",
        "function": {
            "name": name,
            "description": description,
            "parameters": {
                "type": "object",
                "properties": {prop: {"type": "string"}},
                "required": [prop],
            },
        },
    }


TOOLS = [
    _tool("ask_sql_analyst", "customers, orders and support tickets", "task"),
    _tool("ask_graph_analyst", "suppliers and the products they supply", "task"),
]
TWO_QUESTIONS = "How many tickets does Acme have? Which supplier supplies the Hive Gateway?"


def _calls(reply: object) -> list[tuple[str, dict[str, object]]]:
    calls = reply.choices[0].message.tool_calls or []  # type: ignore[attr-defined]
    found = []
    for call in calls:
        assert isinstance(call, ChatCompletionMessageFunctionToolCall)
        found.append((call.function.name, json.loads(call.function.arguments)))
    return found


class TestParallelCalls:
    def test_one_call_per_question(self, client: openai.OpenAI) -> None:
        reply = client.chat.completions.create(
            model="sim-small", messages=[{"role": "user", "content": TWO_QUESTIONS}], tools=TOOLS
        )
        assert reply.choices[0].finish_reason == "tool_calls"
        assert _calls(reply) == [
            ("ask_sql_analyst", {"task": "How many tickets does Acme have?"}),
            ("ask_graph_analyst", {"task": "Which supplier supplies the Hive Gateway?"}),
        ]

    def test_parallel_tool_calls_false_gives_one_call(self, client: openai.OpenAI) -> None:
        reply = client.chat.completions.create(
            model="sim-small",
            messages=[{"role": "user", "content": TWO_QUESTIONS}],
            tools=TOOLS,
            parallel_tool_calls=False,
        )
        assert [name for name, _ in _calls(reply)] == ["ask_sql_analyst"]

    def test_streamed_calls_are_reassembled(self, client: openai.OpenAI) -> None:
        stream = client.chat.completions.create(
            model="sim-small",
            messages=[{"role": "user", "content": TWO_QUESTIONS}],
            tools=TOOLS,
            stream=True,
        )
        parts: dict[int, dict[str, str]] = {}
        for chunk in stream:
            for delta in chunk.choices[0].delta.tool_calls or [] if chunk.choices else []:
                part = parts.setdefault(delta.index, {"name": "", "arguments": ""})
                if delta.function and delta.function.name:
                    part["name"] = delta.function.name
                if delta.function and delta.function.arguments:
                    part["arguments"] += delta.function.arguments
        assert [parts[i]["name"] for i in sorted(parts)] == ["ask_sql_analyst", "ask_graph_analyst"]
        assert json.loads(parts[1]["arguments"]) == {
            "task": "Which supplier supplies the Hive Gateway?"
        }

    def test_a_single_question_still_gets_topic_words_for_other_strings(
        self, client: openai.OpenAI
    ) -> None:
        tools = [_tool("search_documents", "search the documents", "query")]
        reply = client.chat.completions.create(
            model="sim-small",
            messages=[{"role": "user", "content": "search the documents for refund rules"}],
            tools=tools,
        )
        assert _calls(reply) == [("search_documents", {"query": "refund rules"})]
