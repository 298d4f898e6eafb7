"""LangGraph stream chunks to Agent Protocol events: names, namespaces, message modes."""

from __future__ import annotations

from langchain_core.messages import AIMessage, AIMessageChunk

from colmeia.runs.streaming import EventTranslator, langgraph_modes


class TestModes:
    def test_values_is_always_streamed_internally(self) -> None:
        assert langgraph_modes(["updates", "messages-tuple"]) == ["messages", "updates", "values"]
        assert langgraph_modes(["events"]) == ["values"]


class TestTranslator:
    def test_only_requested_modes_and_namespaced_names(self) -> None:
        translator = EventTranslator(["updates"])
        assert list(translator.translate((), "values", {"a": 1})) == []
        assert translator.final_values == {"a": 1}
        assert list(translator.translate(("sub:1",), "updates", {"n": {}})) == [
            ("updates|sub:1", {"n": {}})
        ]

    def test_messages_tuple(self) -> None:
        translator = EventTranslator(["messages-tuple"])
        chunk = AIMessageChunk(content="Hel", id="m1")
        [(event, data)] = translator.translate((), "messages", (chunk, {"langgraph_node": "n"}))
        assert event == "messages"
        assert data[0]["content"] == "Hel"
        assert data[1] == {"langgraph_node": "n"}

    def test_legacy_messages_accumulate_partials(self) -> None:
        translator = EventTranslator(["messages"])
        first = list(
            translator.translate((), "messages", (AIMessageChunk(content="Hel", id="m"), {}))
        )
        second = list(
            translator.translate((), "messages", (AIMessageChunk(content="lo", id="m"), {}))
        )
        assert [event for event, _ in first] == ["messages/metadata", "messages/partial"]
        assert second[0][0] == "messages/partial"
        assert second[0][1][0]["content"] == "Hello"
        complete = list(translator.translate((), "messages", (AIMessage(content="x", id="z"), {})))
        assert complete[-1][0] == "messages/complete"
