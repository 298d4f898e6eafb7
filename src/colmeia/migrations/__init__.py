"""Alembic migrations, run programmatically so no ``alembic.ini`` is needed at run time.

Migrations use a synchronous engine (psycopg 3 and sqlite3 both speak sync), so they can run
from the CLI, from tests, or from async code through ``asyncio.to_thread``.
"""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import make_url


def sync_url(url: str) -> str:
    """The synchronous flavour of a database URL (psycopg 3 for PostgreSQL, sqlite3)."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    driver = {"postgresql": "postgresql+psycopg", "sqlite": "sqlite"}.get(backend, backend)
    return parsed.set(drivername=driver).render_as_string(hide_password=False)


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", "colmeia:migrations")
    config.set_main_option("file_template", "%%(year)d-%%(month).2d-%%(day).2d_%%(slug)s")
    config.attributes["database_url"] = sync_url(url)
    return config


def upgrade(url: str, revision: str = "heads") -> None:
    """Bring the schema at ``url`` up to ``revision`` (default: every branch head, so
    capabilities developed side by side can each add their own branch)."""
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str = "base") -> None:
    """Take the schema at ``url`` down to ``revision``."""
    command.downgrade(alembic_config(url), revision)
