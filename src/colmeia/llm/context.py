"""Who a model call is made for: the attribution every usage row and hook receives."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace


@dataclass(frozen=True, slots=True)
class CallContext:
    """Attribution of an LLM call, filled by the caller (an endpoint, a run, a worker).

    Plain values so any layer can build one: the OpenAI-compatible endpoint fills tenant,
    user and key from the principal; a run fills assistant, thread and run too. ``node`` and
    ``thread_id``, when left empty, are read from LangGraph's callback metadata at call time
    (``langgraph_node``, ``thread_id``), so a graph needs no code to attribute its calls.
    """

    tenant_id: uuid.UUID | None = None
    user_id: uuid.UUID | None = None
    key_id: uuid.UUID | None = None
    assistant_id: str | None = None
    thread_id: str | None = None
    run_id: str | None = None
    node: str | None = None
    request_id: str | None = None
    shared: bool = False
    """The agent is marked shared: tenant-independent caching may apply (cache issue)."""

    def with_metadata(self, metadata: dict[str, object]) -> CallContext:
        """This context with node and thread taken from LangChain run metadata when unset."""
        node = self.node or _text(metadata.get("langgraph_node"))
        thread = self.thread_id or _text(metadata.get("thread_id"))
        if node == self.node and thread == self.thread_id:
            return self
        return replace(self, node=node, thread_id=thread)


def _text(value: object) -> str | None:
    return None if value is None else str(value)[:200]
