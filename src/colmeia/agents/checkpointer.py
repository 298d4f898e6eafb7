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
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver
from sqlalchemy.engine import make_url

from colmeia.agents.postgres_pool import langgraph_pool, set_up_in_turn

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
        await set_up_in_turn(saver_pg.setup, conninfo)
        yield saver_pg
