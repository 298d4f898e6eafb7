"""The graphs this process serves, bound to the deployment's checkpointer.

Built once per process by a composition root (the API lifespan, the worker's start-up step)
and handed to services; nothing here is global.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.pregel import Pregel
from langgraph.store.base import BaseStore

from colmeia.agents.checkpointer import Checkpointer
from colmeia.agents.loader import LoadedGraph
from colmeia.errors import NotFound
from colmeia.store.tenant_store import TenantStore

# Graph state is user-defined; Pregel's type parameters are unknowable here.
Graph = Pregel[Any, Any, Any, Any]


class UnknownGraph(NotFound):
    """A graph id that this deployment's config does not name."""

    def __init__(self, graph_id: str) -> None:
        super().__init__(f"graph {graph_id!r} is not registered on this server")


class GraphRegistry:
    def __init__(
        self,
        graphs: dict[str, LoadedGraph],
        checkpointer: Checkpointer,
        store: BaseStore | None = None,
    ) -> None:
        self._graphs = graphs
        self.checkpointer = checkpointer
        self.store = store

    def __contains__(self, graph_id: object) -> bool:
        return graph_id in self._graphs

    def __iter__(self) -> Iterator[str]:
        return iter(self._graphs)

    async def get(
        self, graph_id: str, config: RunnableConfig | None = None, *, tenant: str | None = None
    ) -> Graph:
        """The graph for one run (factories are called with the run's config), checkpointed and,
        for a run of ``tenant``, given that tenant's view of the deployment's store unless it
        brought its own. Without a tenant (state reads, which run no node) it gets no store."""
        loaded = self._graphs.get(graph_id)
        if loaded is None:
            raise UnknownGraph(graph_id)
        graph = loaded.graph
        if graph is None:
            assert loaded.factory is not None
            graph = await _call_factory(loaded, config or {})
        update: dict[str, Any] = {"checkpointer": self.checkpointer}
        if graph.store is None and self.store is not None and tenant is not None:
            update["store"] = TenantStore(self.store, tenant)
        return graph.copy(update=update)


async def _call_factory(loaded: LoadedGraph, config: RunnableConfig) -> Graph:
    assert loaded.factory is not None
    parameters = inspect.signature(loaded.factory).parameters
    result = loaded.factory(config) if parameters else loaded.factory()
    if inspect.isawaitable(result):
        result = await result
    if hasattr(result, "compile") and not isinstance(result, Pregel):
        result = result.compile()
    if not isinstance(result, Pregel):
        raise TypeError(f"graph factory {loaded.graph_id!r} returned {type(result).__name__}")
    return result
