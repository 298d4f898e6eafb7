"""Read-only SQL over the configured database (PostgreSQL family) or the demo SQLite file.

Read-only is enforced by the database, not by parsing: SQLite files are opened with the
``mode=ro`` URI and ``PRAGMA query_only``; PostgreSQL runs every statement in a
``READ ONLY`` transaction with a ``statement_timeout``, rolled back afterwards. The keyword check
in `check_read_only` only gives the model a clearer refusal earlier. Values from the user reach
the database only as bind parameters (``:name``); results are capped at ``max_rows``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event, inspect, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from colmeia.agents.team.tools.errors import ToolBackendError, ToolRefusal

_READ_STATEMENT = re.compile(r"^\s*(?:select|with|values|explain)\b", re.IGNORECASE)
_STATEMENT_SPLIT = re.compile(r";\s*\S")


@dataclass(frozen=True)
class QueryResult:
    columns: list[str]
    rows: list[list[Any]]
    # Any: database values (numbers, text, dates) as the driver returns them.
    truncated: bool

    def as_text(self) -> str:
        """A compact table for the model: a header line, one line per row, and a cut notice."""
        lines = [" | ".join(self.columns)]
        lines += [" | ".join("" if v is None else str(v) for v in row) for row in self.rows]
        if self.truncated:
            lines.append(f"(only the first {len(self.rows)} rows are shown)")
        if not self.rows:
            lines.append("(no rows)")
        return "\n".join(lines)


def check_read_only(sql: str) -> None:
    """Refuse what is plainly not one read statement, before it reaches the database."""
    if not _READ_STATEMENT.match(sql):
        raise ToolRefusal(
            "only read-only queries are allowed (SELECT, WITH, VALUES, EXPLAIN); "
            "this database is read-only for the team"
        )
    if _STATEMENT_SPLIT.search(sql.strip()):
        raise ToolRefusal("send one statement at a time")


def async_url(url: str) -> tuple[str, bool]:
    """The async driver URL for ``url`` and whether it is SQLite (opened read-only)."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        path = parsed.database or ""
        return f"sqlite+aiosqlite:///file:{path}?mode=ro&uri=true", True
    if backend == "postgresql":
        return parsed.set(drivername="postgresql+psycopg").render_as_string(False), False
    raise ValueError(f"the SQL analyst supports PostgreSQL and SQLite URLs, not {backend!r}")


class SqlReader:
    """Read-only access to one database; safe to share between concurrent runs."""

    def __init__(self, url: str, *, max_rows: int, timeout_s: float) -> None:
        driver_url, self._sqlite = async_url(url)
        self._max_rows = max_rows
        self._timeout_ms = int(timeout_s * 1000)
        # NullPool for SQLite: a read-only file connection is cheap, and no connection outlives
        # the event loop that opened it.
        self._engine: AsyncEngine = (
            create_async_engine(driver_url, poolclass=NullPool)
            if self._sqlite
            else create_async_engine(driver_url, pool_size=2, pool_pre_ping=True)
        )
        if self._sqlite:
            event.listen(self._engine.sync_engine, "connect", _sqlite_query_only)

    async def aclose(self) -> None:
        await self._engine.dispose()

    async def tables(self) -> list[str]:
        """Table names (views included) visible to the connection."""
        async with self._read() as connection:
            names: list[str] = await connection.run_sync(
                lambda sync: [*inspect(sync).get_table_names(), *inspect(sync).get_view_names()]
            )
        return sorted(names)

    async def describe(self, table: str) -> str:
        """Columns, primary key and foreign keys of ``table``, as text for the model."""
        if table not in await self.tables():
            raise ToolRefusal(f"no table named {table!r}; call list_tables for the names")
        async with self._read() as connection:
            return str(await connection.run_sync(lambda sync: _describe(sync, table)))

    async def query(self, sql: str, params: dict[str, Any] | None = None) -> QueryResult:
        """Run one read statement with bind parameters; at most ``max_rows`` rows come back."""
        check_read_only(sql)
        try:
            async with self._read() as connection:
                result = await connection.execute(text(sql), params or {})
                columns = list(result.keys())
                rows = [list(row) for row in result.fetchmany(self._max_rows + 1)]
        except DBAPIError as error:
            raise ToolBackendError(f"the database refused the query: {_reason(error)}") from None
        except SQLAlchemyError as error:
            raise ToolBackendError(f"the query could not run: {error}") from None
        return QueryResult(columns, rows[: self._max_rows], len(rows) > self._max_rows)

    def _read(self) -> _ReadTransaction:
        return _ReadTransaction(self._engine, self._sqlite, self._timeout_ms)


class _ReadTransaction:
    """A connection inside a read-only transaction that is always rolled back."""

    def __init__(self, engine: AsyncEngine, sqlite: bool, timeout_ms: int) -> None:
        self._engine = engine
        self._sqlite = sqlite
        self._timeout_ms = timeout_ms
        self._connection: AsyncConnection | None = None

    async def __aenter__(self) -> AsyncConnection:
        connection = await self._engine.connect()
        self._connection = connection
        if not self._sqlite:
            await connection.execute(text("SET TRANSACTION READ ONLY"))
            await connection.execute(
                text("SELECT set_config('statement_timeout', :ms, true)"),
                {"ms": str(self._timeout_ms)},
            )
        return connection

    async def __aexit__(self, *exc_info: object) -> None:
        assert self._connection is not None
        await self._connection.rollback()
        await self._connection.close()


def _sqlite_query_only(dbapi_connection: Any, _record: object) -> None:
    # Any: the DB-API connection object of whichever driver SQLAlchemy uses.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA query_only = ON")
    cursor.close()


def _describe(connection: Connection, table: str) -> str:
    inspector = inspect(connection)
    lines = [f"table {table}:"]
    for column in inspector.get_columns(table):
        nullable = "" if column.get("nullable", True) else " not null"
        lines.append(f"  {column['name']} {column['type']}{nullable}")
    primary = inspector.get_pk_constraint(table).get("constrained_columns") or []
    if primary:
        lines.append(f"  primary key ({', '.join(primary)})")
    for foreign in inspector.get_foreign_keys(table):
        lines.append(
            f"  foreign key ({', '.join(foreign['constrained_columns'])}) references "
            f"{foreign['referred_table']} ({', '.join(foreign['referred_columns'])})"
        )
    return "\n".join(lines)


def _reason(error: DBAPIError) -> str:
    return str(error.orig).strip().splitlines()[0] if error.orig else str(error)
