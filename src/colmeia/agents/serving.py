"""Opening the served graphs for a process: environment, import, checkpointer, registry."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from colmeia.agents.checkpointer import open_checkpointer
from colmeia.agents.config import EXAMPLES_CONFIG, load_graph_config
from colmeia.agents.environment import apply_environment
from colmeia.agents.loader import load_graphs
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
    """The registry of the graphs ``config_path`` names (default: the examples), bound to the
    deployment's checkpointer; a bad config raises `GraphConfigError` before anything opens."""
    apply_environment(llm_env)
    loaded = load_graphs(load_graph_config(config_path or EXAMPLES_CONFIG))
    async with open_checkpointer(database_url, data_dir, pool_size=pool_size) as checkpointer:
        yield GraphRegistry(loaded, checkpointer)
