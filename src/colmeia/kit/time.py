"""Time helpers: one clock, always timezone-aware UTC."""

from __future__ import annotations

from datetime import UTC, datetime


def utc_now() -> datetime:
    """Now, timezone-aware, so values compare equal across SQLite and PostgreSQL."""
    return datetime.now(UTC)
