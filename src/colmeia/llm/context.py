"""Who a model call is made for: the attribution every usage row and hook receives."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace


@dataclass(frozen=True, slots=True)
class CacheControls:
    """The caller's per-request cache controls (parsed by `colmeia.cache.policy`)."""

    no_cache: bool = False
    no_store: bool = False
    ttl_s: float | None = None
    enabled: bool | None = None
    """True/False forces caching on/off; None leaves it to the policy."""
    tags: tuple[str, ...] = ()
    """Labels stored with the answer, so it can be invalidated by tag."""


@dataclass(slots=True)
class CacheReport:
    """A slip the caller hands in and the cache hook fills: what the cache did for this call.

    Mutable on purpose: the hook runs deep inside the gateway, and the caller (an HTTP
    endpoint) reads the slip afterwards to say hit or miss in its response headers.
    """

    status: str = "bypass"
    """``hit``, ``miss`` (looked up, not found) or ``bypass`` (not looked up)."""
    tier: str | None = None
    score: float | None = None
    entry_id: str | None = None
    reason: str | None = None
    """Why the cache was bypassed (policy, request control, cache starting)."""

    def header(self) -> str:
        """The ``x-colmeia-cache`` response header value, e.g. ``hit; tier=exact; score=1.000``."""
        if self.status == "hit":
            return f"hit; tier={self.tier}; score={self.score:.3f}"
        if self.status == "bypass" and self.reason:
            return f"bypass; reason={self.reason}"
        return self.status


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
    cache: CacheControls = field(default_factory=CacheControls)
    """The caller's cache controls (no-cache, no-store, ttl, tags)."""
    cache_report: CacheReport | None = None
    """Filled by the cache hook when the caller wants to know what the cache did."""

    def with_metadata(self, metadata: dict[str, object]) -> CallContext:
        """This context with node and thread taken from LangChain run metadata when unset."""
        node = self.node or _text(metadata.get("langgraph_node"))
        thread = self.thread_id or _text(metadata.get("thread_id"))
        if node == self.node and thread == self.thread_id:
            return self
        return replace(self, node=node, thread_id=thread)


def _text(value: object) -> str | None:
    return None if value is None else str(value)[:200]
