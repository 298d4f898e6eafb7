"""The SQL analyst's reader on real databases: the demo SQLite file and a PostgreSQL database
seeded from the same ``company.sql``. Read-only is the database's doing, not the keyword check's."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import psycopg
import pytest

from colmeia.agents.team.demo_data import load_demo_sql
from colmeia.agents.team.resources import DEMO_DIR
from colmeia.agents.team.tools.errors import ToolBackendError, ToolRefusal
from colmeia.agents.team.tools.sql import SqlReader
from tests.fixtures.backends import postgres_database

# Starts with WITH, so it passes the keyword check and reaches the database.
SNEAKY_WRITE = "WITH doomed AS (SELECT 1) DELETE FROM customers"


@pytest.fixture(params=["sqlite", "postgres"])
async def reader(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[SqlReader]:
    if request.param == "sqlite":
        path = tmp_path / "company.db"
        assert load_demo_sql(path)
        assert not load_demo_sql(path)  # idempotent
        url = f"sqlite:///{path}"
        sql = SqlReader(url, max_rows=3, timeout_s=2)
        yield sql
        await sql.aclose()
        return
    admin: str = request.getfixturevalue("pg_admin_url")
    with postgres_database(admin) as url:
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute((DEMO_DIR / "company.sql").read_text())  # type: ignore[arg-type]
        sql = SqlReader(url, max_rows=3, timeout_s=2)
        yield sql
        await sql.aclose()


class TestSqlReader:
    async def test_bind_parameters_and_row_cap(self, reader: SqlReader) -> None:
        result = await reader.query(
            "SELECT name FROM customers WHERE segment = :segment ORDER BY name",
            {"segment": "smb"},
        )
        assert result.rows == [["Blue Meadow Farm"], ["Cedar Valley Honey"], ["Fjord Bees"]]
        assert result.truncated  # four smb customers, three shown
        assert "(only the first 3 rows are shown)" in result.as_text()

    async def test_injection_through_a_value_is_just_a_value(self, reader: SqlReader) -> None:
        result = await reader.query(
            "SELECT id FROM customers WHERE name = :name", {"name": "x' OR '1'='1"}
        )
        assert result.rows == []

    async def test_write_refused_by_the_database(self, reader: SqlReader) -> None:
        with pytest.raises(ToolBackendError, match="refused"):
            await reader.query(SNEAKY_WRITE)
        assert (await reader.query("SELECT count(*) FROM customers")).rows == [[8]]

    async def test_plain_write_refused_before_the_database(self, reader: SqlReader) -> None:
        with pytest.raises(ToolRefusal, match="read-only"):
            await reader.query("UPDATE customers SET name = 'x'")
        with pytest.raises(ToolRefusal, match="one statement"):
            await reader.query("SELECT 1; DELETE FROM customers")

    async def test_schema_introspection(self, reader: SqlReader) -> None:
        assert "support_tickets" in await reader.tables()
        described = await reader.describe("order_items")
        assert "foreign key (order_id) references orders (id)" in described
        with pytest.raises(ToolRefusal, match="no table named"):
            await reader.describe("invoices")
