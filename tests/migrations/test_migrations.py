"""Migrations up, down and up again on SQLite and PostgreSQL; the models match the schema."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from colmeia import migrations
from colmeia.models import Base
from tests.fixtures.backends import postgres_database

TABLES = {"tenants", "users", "api_keys", "alembic_version"}
TABLES |= {"auth_sessions", "refresh_tokens", "budgets", "budget_usage"}
TABLES |= {"assistants", "assistant_versions", "threads", "runs", "store_items"}
TABLES |= {"spans"}
TABLES |= {"llm_calls"}
TABLES |= {"run_effects"}
TABLES |= {"crons"}


@pytest.fixture(params=["sqlite", "postgres"])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
        return
    with postgres_database(request.getfixturevalue("pg_admin_url")) as url:
        yield url


def _tables(url: str) -> set[str]:
    engine = create_engine(migrations.sync_url(url))
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


class TestMigrations:
    def test_up_down_up(self, empty_database: str) -> None:
        migrations.upgrade(empty_database)
        assert _tables(empty_database) == TABLES
        migrations.downgrade(empty_database, "base")
        assert _tables(empty_database) == {"alembic_version"}
        migrations.upgrade(empty_database)
        assert _tables(empty_database) == TABLES

    def test_models_match_the_migrated_schema(self, empty_database: str) -> None:
        """A model changed without a migration fails here."""
        migrations.upgrade(empty_database)
        engine = create_engine(migrations.sync_url(empty_database))
        try:
            with engine.connect() as connection:
                context = MigrationContext.configure(connection, opts={"compare_type": True})
                differences = compare_metadata(context, Base.metadata)
        finally:
            engine.dispose()
        assert differences == []
