"""Opening the served graphs for a process: environment, import, checkpointer, registry."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from colmeia.agents.checkpointer import open_checkpointer
from colmeia.agents.config import DEFAULT_CONFIGS, GraphConfigError, load_graph_config
from colmeia.agents.environment import apply_environment
from colmeia.agents.graph_store import open_graph_store
from colmeia.agents.loader import LoadedGraph, load_graphs
from colmeia.agents.registry import GraphRegistry


@asynccontextmanager
async def serve_graphs(
    config_path: Path | None,
    *,
    database_url: str,
    data_dir: Path,
    llm_env: dict[str, str],
    pool_size: int = 10,
) -> AsyncIterator[GraphRegistry]:
    """The registry of the graphs ``config_path`` names (default: the examples and the team),
    bound to the deployment's checkpointer; a bad config raises `GraphConfigError` before
    anything opens."""
    apply_environment(llm_env)
    loaded: dict[str, LoadedGraph] = {}
    for path in [config_path] if config_path else DEFAULT_CONFIGS:
        graphs = load_graphs(load_graph_config(path))
        if clash := loaded.keys() & graphs.keys():
            raise GraphConfigError(f"{path}: graph ids {sorted(clash)} are already registered")
        loaded.update(graphs)
    async with (
        open_checkpointer(database_url, data_dir, pool_size=pool_size) as checkpointer,
        open_graph_store(database_url, data_dir) as store,
    ):
        yield GraphRegistry(loaded, checkpointer, store)
