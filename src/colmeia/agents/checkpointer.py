"""The LangGraph checkpointer for a deployment: SQLite in the data dir, or the Postgres database.

Postgres uses a psycopg pool with ``autocommit``, ``prepare_threshold=0`` (safe behind
PgBouncer/Supabase poolers) and ``dict_row``, which ``AsyncPostgresSaver`` requires.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiosqlite
import psycopg
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver
from sqlalchemy.engine import make_url

from colmeia.agents.postgres_pool import langgraph_pool

Checkpointer = BaseCheckpointSaver[str]


def postgres_conninfo(database_url: str) -> str | None:
    """A libpq URL for ``database_url`` when it is PostgreSQL, else None."""
    parsed = make_url(database_url)
    if parsed.get_backend_name() != "postgresql":
        return None
    return parsed.set(drivername="postgresql").render_as_string(hide_password=False)


@asynccontextmanager
async def open_checkpointer(
    database_url: str, data_dir: Path, *, pool_size: int = 10
) -> AsyncIterator[Checkpointer]:
    """The checkpointer for this deployment, set up (tables created) and closed on exit."""
    conninfo = postgres_conninfo(database_url)
    if conninfo is None:
        data_dir.mkdir(parents=True, exist_ok=True)
        async with aiosqlite.connect(str(data_dir / "checkpoints.db")) as connection:
            # The API and every worker share this file: WAL lets them read while one writes, and
            # NORMAL sync in WAL mode survives a process crash (what durability "sync" is about)
            # without an fsync per checkpoint.
            await connection.execute("PRAGMA journal_mode=WAL")
            await connection.execute("PRAGMA synchronous=NORMAL")
            await connection.execute("PRAGMA busy_timeout=10000")
            saver = AsyncSqliteSaver(connection)
            await saver.setup()
            yield saver
        return
    async with langgraph_pool(conninfo, pool_size) as pool:
        saver_pg = AsyncPostgresSaver(pool)  # type: ignore[arg-type]
        # The saver takes one asyncio.Lock around every operation, even on a pool (langgraph
        # #7259, fix pending in #7269), so all runs of a process checkpoint one at a time: in a
        # burst of 600 runs a no-op graph spent ~250 ms per run waiting on it. Pooled
        # connections are independent; let as many operations run as there are connections.
        saver_pg.lock = asyncio.Semaphore(pool_size)  # type: ignore[assignment]
        await _set_up_serialised(saver_pg, conninfo)
        yield saver_pg


SETUP_LOCK_KEY = 0x636F6C6D65696101
"""A PostgreSQL advisory lock key ("colmeia" + 1) held while the checkpoint tables are set up."""
SETUP_LOCK_POLL_S = 0.05


async def _set_up_serialised(saver: AsyncPostgresSaver, conninfo: str) -> None:
    """``saver.setup()`` under an advisory lock, on a connection of its own.

    Every API replica and worker runs the setup when it starts; on a fresh database two of them
    racing each insert the same row of ``checkpoint_migrations`` and the loser fails to start
    (seen: an API and a worker started together). The lock makes them take turns; the next one
    finds the migrations applied and does nothing. Waiting is a poll of
    ``pg_try_advisory_lock``, not a blocking ``pg_advisory_lock``: the setup creates indexes
    CONCURRENTLY, which waits for every statement in flight, a blocked lock call included.
    """
    async with await psycopg.AsyncConnection.connect(conninfo, autocommit=True) as holder:
        while not await _try_lock(holder):
            await asyncio.sleep(SETUP_LOCK_POLL_S)
        try:
            await saver.setup()
        finally:
            await holder.execute("SELECT pg_advisory_unlock(%s)", (SETUP_LOCK_KEY,))


async def _try_lock(connection: psycopg.AsyncConnection[tuple[bool]]) -> bool:
    cursor = await connection.execute("SELECT pg_try_advisory_lock(%s)", (SETUP_LOCK_KEY,))
    row = await cursor.fetchone()
    return bool(row and row[0])
