"""The LangGraph store that served graphs receive (``runtime.store``, ``InjectedStore``):
long-term memory across threads, in the deployment's database.

SQLite in the data dir or the Postgres database, through LangGraph's own store implementations,
beside the checkpointer. A run and the `/store` API see it through their tenant's view
(`colmeia.store.tenant_store`), never whole. Items given a TTL are swept by the store's own
sweeper, as on LangGraph Server (an expired item can be read until the next sweep).
"""

from __future__ import annotations

import asyncio
import fcntl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiosqlite
from langgraph.store.base import BaseStore, TTLConfig
from langgraph.store.postgres.aio import AsyncPostgresStore
from langgraph.store.sqlite.aio import AsyncSqliteStore

from colmeia.agents.checkpointer import postgres_conninfo
from colmeia.agents.postgres_pool import langgraph_pool, set_up_in_turn

TTL = TTLConfig(refresh_on_read=True, sweep_interval_minutes=1)
"""LangGraph Server's TTL behaviour: reads refresh a TTL, expired items swept every minute."""


class _SqliteStore(AsyncSqliteStore):
    """LangGraph's SQLite store, which writes and sweeps TTLs but inherits ``supports_ttl =
    False`` from `AsyncBatchedBaseStore` ahead of its SQLite base, so ``aput(ttl=…)`` refused."""

    supports_ttl = True


@asynccontextmanager
async def _exclusive(path: Path) -> AsyncIterator[None]:
    with path.open("a") as handle:
        await asyncio.to_thread(fcntl.flock, handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


@asynccontextmanager
async def open_graph_store(
    database_url: str, data_dir: Path, *, pool_size: int = 4
) -> AsyncIterator[BaseStore]:
    """The store for this deployment, set up (tables created) and closed on exit."""
    conninfo = postgres_conninfo(database_url)
    if conninfo is None:
        data_dir.mkdir(parents=True, exist_ok=True)
        # Autocommit: the store's setup and writes issue no COMMIT of their own, and an open
        # implicit transaction would hold the file's write lock against every other process.
        async with aiosqlite.connect(
            str(data_dir / "store.db"), isolation_level=None
        ) as connection:
            # Shared by the API and every worker, as the checkpoints file is.
            await connection.execute("PRAGMA journal_mode=WAL")
            await connection.execute("PRAGMA busy_timeout=10000")
            store = _SqliteStore(connection, ttl=TTL)
            # The API and each worker open the store at start; its migrations read the version,
            # then write, so two first starts at once would both migrate. A file lock takes
            # turns (the kernel drops it if a process dies).
            async with _exclusive(data_dir / "store.lock"):
                await store.setup()
            async with _sweeping(store):
                yield store
        return
    async with langgraph_pool(conninfo, pool_size) as pool:
        store_pg = AsyncPostgresStore(pool, ttl=TTL)  # type: ignore[arg-type]
        await set_up_in_turn(store_pg.setup, conninfo)
        async with _sweeping(store_pg):
            yield store_pg


@asynccontextmanager
async def _sweeping(store: AsyncSqliteStore | AsyncPostgresStore) -> AsyncIterator[None]:
    """The store's TTL sweeper for as long as the store is open (every process sweeps; a
    sweep is one ``DELETE`` of expired rows, so replicas never collide)."""
    await store.start_ttl_sweeper()
    try:
        yield
    finally:
        await store.stop_ttl_sweeper()
