"""The connection pool LangGraph's Postgres checkpointer and store both need (DESIGN §2).

Their queries rely on autocommit, no server-side prepared statements (poolers such as
PgBouncer / Supabase reject them) and dict rows, so both open their pool here.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool


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
