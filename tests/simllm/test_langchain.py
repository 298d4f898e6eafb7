"""LangChain's OpenAI integration against the simulator: chat, streaming, structured output, and
a full agent tool loop built with `create_agent`."""

from __future__ import annotations

from collections.abc import Sequence

from langchain.agents import create_agent
from langchain.chat_models import init_chat_model
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    HumanMessage,
    ToolMessage,
)
from langchain_core.messages.ai import add_ai_message_chunks
from langchain_core.tools import tool
from langchain_openai import ChatOpenAI
from pydantic import BaseModel

WEATHER_REPORT = "Sunny and 22 degrees"


@tool
def get_weather(city: str, days: int = 1) -> str:
    """Get the weather forecast for a city."""
    return f"{WEATHER_REPORT} in {city} for {days} day(s)"


def _merge(chunks: Sequence[BaseMessage]) -> AIMessageChunk:
    pieces = [chunk for chunk in chunks if isinstance(chunk, AIMessageChunk)]
    assert len(pieces) == len(chunks)
    return add_ai_message_chunks(pieces[0], *pieces[1:])


def _chat(sim_url: str) -> ChatOpenAI:
    return ChatOpenAI(base_url=sim_url, api_key="x", model="sim-small", max_retries=0)


class TestChatOpenAI:
    def test_invoke_fills_usage(self, sim_url: str) -> None:
        reply = _chat(sim_url).invoke("What makes semantic caches effective?")

        assert isinstance(reply, AIMessage)
        assert "semantic" in reply.text
        assert reply.usage_metadata is not None
        assert reply.usage_metadata["output_tokens"] > 0

    async def test_stream_reassembles_the_same_answer(self, sim_url: str) -> None:
        model = _chat(sim_url)
        plain = await model.ainvoke("Describe Redis streams")
        chunks = [c async for c in model.astream("Describe Redis streams", stream_usage=True)]
        merged = _merge(chunks)

        assert merged.text == plain.text
        assert merged.usage_metadata is not None
        assert merged.usage_metadata["total_tokens"] > 0

    def test_streamed_tool_call_is_reassembled(self, sim_url: str) -> None:
        model = _chat(sim_url).bind_tools([get_weather])
        chunks = list(model.stream("What is the weather in Lisbon for 2 days?"))
        merged = _merge(chunks)

        assert [(c["name"], c["args"]) for c in merged.tool_calls] == [
            ("get_weather", {"city": "Lisbon", "days": 2})
        ]

    def test_structured_output(self, sim_url: str) -> None:
        class Forecast(BaseModel):
            city: str
            celsius: float

        result = _chat(sim_url).with_structured_output(Forecast).invoke("city Porto is 18 celsius")

        assert result == Forecast(city="Porto", celsius=18)


class TestInitChatModel:
    def test_provider_model_string(self, sim_url: str) -> None:
        model = init_chat_model("openai:sim-small", base_url=sim_url, api_key="x")

        reply = model.invoke("Explain LangGraph checkpoints")

        assert "LangGraph" in reply.text


class TestAgentLoop:
    def test_agent_calls_the_tool_and_quotes_its_result(self, sim_url: str) -> None:
        agent = create_agent(_chat(sim_url), tools=[get_weather])

        result = agent.invoke({"messages": [HumanMessage("What is the weather in Lisbon?")]})

        messages: list[BaseMessage] = result["messages"]
        assert [type(m) for m in messages] == [HumanMessage, AIMessage, ToolMessage, AIMessage]
        call = messages[1].tool_calls[0]  # type: ignore[attr-defined]
        assert call["name"] == "get_weather"
        assert get_weather.args_schema.model_validate(call["args"])  # type: ignore[union-attr]
        assert call["args"] == {"city": "Lisbon"}
        assert messages[2].text == f"{WEATHER_REPORT} in Lisbon for 1 day(s)"
        assert messages[2].text in messages[3].text
