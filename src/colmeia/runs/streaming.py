"""From LangGraph's stream to Agent Protocol events: names, namespaces and message modes.

Requested modes map to LangGraph's (``messages-tuple`` and ``messages`` both come from
LangGraph's ``messages``); ``values`` is always requested so the worker knows the final state.
Event names carry the subgraph namespace as ``mode|ns1|ns2`` when subgraphs are streamed.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from langchain_core.messages import BaseMessage, BaseMessageChunk

from colmeia.kit.jsonable import jsonable

LANGGRAPH_MODES = {
    "values": "values",
    "updates": "updates",
    "messages-tuple": "messages",
    "messages": "messages",
    "custom": "custom",
    "debug": "debug",
    "tasks": "tasks",
    "checkpoints": "checkpoints",
}

# Any (below): stream chunks are whatever the graph produces.


def langgraph_modes(requested: list[str]) -> list[str]:
    modes = {LANGGRAPH_MODES[mode] for mode in requested if mode in LANGGRAPH_MODES}
    return sorted(modes | {"values"})


class EventTranslator:
    """Turns ``(namespace, mode, chunk)`` into ``(event, data)`` pairs for one run."""

    def __init__(self, requested: list[str]) -> None:
        self.requested = set(requested)
        self.final_values: Any = None
        self._partial: dict[str, BaseMessageChunk] = {}
        self._seen: set[str] = set()

    def translate(
        self, namespace: tuple[str, ...], mode: str, chunk: Any
    ) -> Iterator[tuple[str, Any]]:
        suffix = "".join(f"|{part}" for part in namespace)
        if mode == "values" and not namespace:
            self.final_values = chunk
        if mode == "messages":
            yield from self._messages(suffix, chunk)
            return
        if mode in self.requested:
            yield f"{mode}{suffix}", jsonable(chunk)

    def _messages(self, suffix: str, chunk: Any) -> Iterator[tuple[str, Any]]:
        message, metadata = chunk
        if "messages-tuple" in self.requested:
            yield f"messages{suffix}", [jsonable(message), jsonable(metadata)]
        if "messages" not in self.requested or not isinstance(message, BaseMessage):
            return
        message_id = message.id or ""
        if message_id not in self._seen:
            self._seen.add(message_id)
            yield f"messages/metadata{suffix}", {message_id: {"metadata": jsonable(metadata)}}
        if isinstance(message, BaseMessageChunk):
            previous = self._partial.get(message_id)
            merged = message if previous is None else previous + message
            self._partial[message_id] = merged
            yield f"messages/partial{suffix}", [jsonable(merged)]
        else:
            yield f"messages/complete{suffix}", [jsonable(message)]
