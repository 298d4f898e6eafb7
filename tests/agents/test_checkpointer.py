"""The PostgreSQL checkpointer checkpoints concurrent runs at once, and loses none of them.

LangGraph's saver serialises every operation behind one lock even on a connection pool
(langgraph #7259); `open_checkpointer` lets as many operations run as the pool has connections.
"""

from __future__ import annotations

import asyncio
import uuid
from contextlib import AsyncExitStack
from pathlib import Path

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import empty_checkpoint

from colmeia.agents.checkpointer import open_checkpointer
from tests.fixtures.backends import postgres_database

POOL = 4


def _config(thread_id: str) -> RunnableConfig:
    return {"configurable": {"thread_id": thread_id, "checkpoint_ns": ""}}


async def test_pooled_operations_run_concurrently_and_all_persist(
    pg_admin_url: str, tmp_path: Path
) -> None:
    with postgres_database(pg_admin_url) as url:
        async with open_checkpointer(url, tmp_path, pool_size=POOL) as saver:
            holders = [saver.lock for _ in range(POOL)]  # type: ignore[attr-defined]
            # POOL operations may hold it at once; one more waits for a connection.
            entered = [await asyncio.wait_for(lock.__aenter__(), 1) for lock in holders]
            assert len(entered) == POOL
            assert saver.lock.locked()  # type: ignore[attr-defined]
            for lock in holders:
                await lock.__aexit__(None, None, None)

            threads = [str(uuid.uuid4()) for _ in range(40)]
            checkpoints = {thread: empty_checkpoint() for thread in threads}
            await asyncio.gather(
                *(
                    saver.aput(_config(thread), checkpoints[thread], {"source": "input"}, {})
                    for thread in threads
                )
            )
            stored = await asyncio.gather(*(saver.aget_tuple(_config(t)) for t in threads))
    assert [found.checkpoint["id"] if found else None for found in stored] == [
        checkpoints[thread]["id"] for thread in threads
    ]


async def test_processes_starting_together_on_a_fresh_database_all_set_up(
    pg_admin_url: str, tmp_path: Path
) -> None:
    """Every replica and worker sets the tables up when it starts; racing on a fresh database
    must not fail any of them (unserialised, the losers hit checkpoint_migrations' key)."""
    with postgres_database(pg_admin_url) as url:
        async with AsyncExitStack() as stack:
            savers = await asyncio.gather(
                *(
                    stack.enter_async_context(open_checkpointer(url, tmp_path, pool_size=2))
                    for _ in range(6)
                )
            )
            thread = str(uuid.uuid4())
            checkpoint = empty_checkpoint()
            await savers[0].aput(_config(thread), checkpoint, {"source": "input"}, {})
            found = await savers[-1].aget_tuple(_config(thread))
    assert found is not None
    assert found.checkpoint["id"] == checkpoint["id"]
