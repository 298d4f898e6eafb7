"""The suite provisions its own PostgreSQL when none answers, rather than skipping."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from tests.fixtures.backends import free_port, postgres_database, postgres_server

pytestmark = pytest.mark.slow


def test_throwaway_postgres_when_none_answers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(
        "COLMEIA_TEST_DATABASE_URL", f"postgresql://postgres@127.0.0.1:{free_port()}/postgres"
    )
    with postgres_server(tmp_path) as admin_url:
        assert str(tmp_path) in admin_url, "expected the throwaway server in tmp_path"
        with postgres_database(admin_url) as url, psycopg.connect(url) as connection:
            row = connection.execute("SELECT current_database()").fetchone()
    assert row is not None
    assert row[0].startswith("colmeia_test_")
