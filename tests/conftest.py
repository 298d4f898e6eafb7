"""Suite-wide fixtures: real PostgreSQL, SQLite and Redis, and settings built on them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import redis as redis_sync

from colmeia import migrations
from colmeia.config import Settings
from tests.fixtures.backends import postgres_database, postgres_server, redis_server

TEST_SECRET = "test-secret-key-not-for-production"


@pytest.fixture(scope="session")
def pg_admin_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with postgres_server(tmp_path_factory.mktemp("pg")) as url:
        yield url


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with redis_server(tmp_path_factory.mktemp("redis")) as url:
        yield url


@pytest.fixture
def redis_client(redis_url: str) -> Iterator[redis_sync.Redis]:
    client = redis_sync.Redis.from_url(redis_url)
    yield client
    client.close()


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A migrated database, once per backend: every DB test runs on SQLite and PostgreSQL."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'colmeia.db'}"
        migrations.upgrade(url)
        yield url
        return
    admin_url: str = request.getfixturevalue("pg_admin_url")
    with postgres_database(admin_url) as url:
        migrations.upgrade(url)
        yield url


@pytest.fixture
def settings(database_url: str, redis_url: str, tmp_path: Path) -> Settings:
    """Settings on the real backends, with a fixed secret so processes agree on key hashes."""
    return Settings(
        _env_file=None,
        data_dir=tmp_path / "data",
        database={"url": database_url},
        redis={"url": redis_url},
        auth={"secret_key": TEST_SECRET},
        worker={"heartbeat_interval_s": 0.5, "heartbeat_ttl_s": 5},
    )
