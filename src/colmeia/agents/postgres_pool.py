"""What LangGraph's Postgres checkpointer and store both need (DESIGN §2): their connection
pool, and a table setup that processes starting together take in turns.

Their queries rely on autocommit, no server-side prepared statements (poolers such as
PgBouncer / Supabase reject them) and dict rows, so both open their pool here.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import psycopg
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool

SETUP_LOCK_KEY = 0x636F6C6D65696101
"""A PostgreSQL advisory lock key ("colmeia" + 1) held while LangGraph's tables are set up."""
SETUP_LOCK_POLL_S = 0.05


@asynccontextmanager
async def langgraph_pool(conninfo: str, pool_size: int) -> AsyncIterator[AsyncConnectionPool]:
    pool = AsyncConnectionPool(
        conninfo,
        min_size=1,
        max_size=pool_size,
        open=False,
        kwargs={"autocommit": True, "prepare_threshold": 0, "row_factory": dict_row},
    )
    await pool.open()
    try:
        yield pool
    finally:
        await pool.close()


async def set_up_in_turn(setup: Callable[[], Awaitable[None]], conninfo: str) -> None:
    """``setup()`` (a LangGraph saver's or store's) under an advisory lock, held on a
    connection of its own.

    Every API replica and worker runs the setups when it starts; on a fresh database two of them
    racing each insert the same row of ``checkpoint_migrations`` (or ``store_migrations``) and
    the loser fails to start (seen: an API and a worker started together). The lock makes them
    take turns; the next one finds the migrations applied and does nothing. Waiting is a poll
    of ``pg_try_advisory_lock``, not a blocking ``pg_advisory_lock``: the checkpointer's setup
    creates indexes CONCURRENTLY, which waits for every statement in flight, a blocked lock
    call included.
    """
    async with await psycopg.AsyncConnection.connect(conninfo, autocommit=True) as holder:
        while not await _try_lock(holder):
            await asyncio.sleep(SETUP_LOCK_POLL_S)
        try:
            await setup()
        finally:
            await holder.execute("SELECT pg_advisory_unlock(%s)", (SETUP_LOCK_KEY,))


async def _try_lock(connection: psycopg.AsyncConnection[tuple[bool]]) -> bool:
    cursor = await connection.execute("SELECT pg_try_advisory_lock(%s)", (SETUP_LOCK_KEY,))
    row = await cursor.fetchone()
    return bool(row and row[0])
