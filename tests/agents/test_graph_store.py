"""The PostgreSQL graph store sets itself up when processes start together on a fresh database."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack
from pathlib import Path

from colmeia.agents.graph_store import open_graph_store
from tests.fixtures.backends import postgres_database


async def test_processes_starting_together_on_a_fresh_database_all_set_up(
    pg_admin_url: str, tmp_path: Path
) -> None:
    """The API and each worker open the store at start; unserialised, the losers of the race
    hit store_migrations' key and fail to start (seen when an API and a worker started
    together)."""
    with postgres_database(pg_admin_url) as url:
        async with AsyncExitStack() as stack:
            stores = await asyncio.gather(
                *(
                    stack.enter_async_context(open_graph_store(url, tmp_path, pool_size=2))
                    for _ in range(6)
                )
            )
            await stores[0].aput(("tenant", "notes"), "first", {"text": "hello"})
            found = await stores[-1].aget(("tenant", "notes"), "first")
    assert found is not None
    assert found.value == {"text": "hello"}
