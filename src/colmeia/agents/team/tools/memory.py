"""Long-term facts about a user, kept in the LangGraph store the server gives every run.

Facts live under the namespace ``("memories", <user>)``, the user from ``configurable.user_id``
(LangGraph's own convention for per-user memory), else ``"default"``. The store a run receives is
already its tenant's (`colmeia.store.tenant_store`), so one tenant never reads another's facts,
and a client sees the same facts through the `/store` API.
"""

from __future__ import annotations

import hashlib

from langchain_core.runnables import RunnableConfig
from langgraph.store.base import BaseStore

from colmeia.agents.team.tools.errors import ToolBackendError

RECALL_LIMIT = 20


def namespace(config: RunnableConfig) -> tuple[str, ...]:
    configurable = config.get("configurable") or {}
    return ("memories", str(configurable.get("user_id") or "default"))


async def remember(store: BaseStore | None, config: RunnableConfig, fact: str) -> str:
    """Save ``fact`` (idempotently: the same fact is one item) and say so."""
    if store is None:
        raise ToolBackendError("this server gives the graph no store, so nothing can be kept")
    key = hashlib.sha256(fact.strip().lower().encode()).hexdigest()[:16]
    await store.aput(namespace(config), key, {"fact": fact.strip()})
    return f"Saved: {fact.strip()}"


async def recall(store: BaseStore | None, config: RunnableConfig) -> list[str]:
    """Every fact kept for this user, oldest first."""
    if store is None:
        raise ToolBackendError("this server gives the graph no store, so nothing is kept")
    items = await store.asearch(namespace(config), limit=RECALL_LIMIT)
    ordered = sorted(items, key=lambda item: item.created_at)
    return [str(item.value.get("fact", "")) for item in ordered]
