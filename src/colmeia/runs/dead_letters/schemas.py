"""Shapes of the dead-letter admin API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from colmeia.models import Run

# Any (below): run metadata is free-form JSON.


class DeadLetterRead(BaseModel):
    run_id: uuid.UUID
    tenant_id: uuid.UUID
    thread_id: uuid.UUID
    assistant_id: uuid.UUID
    graph_id: str | None
    status: str
    attempt: int
    """Attempts made (the budget was ``max_attempts``)."""
    max_attempts: int
    error: str | None
    """The last attempt's error."""
    metadata: dict[str, Any]
    created_at: datetime
    started_at: datetime | None
    dead_at: datetime | None
    updated_at: datetime

    @classmethod
    def of(cls, row: Run) -> DeadLetterRead:
        return cls(
            run_id=row.id,
            tenant_id=row.tenant_id,
            thread_id=row.thread_id,
            assistant_id=row.assistant_id,
            graph_id=row.kwargs.get("graph_id"),
            status=row.status.value,
            attempt=row.attempt,
            max_attempts=row.max_attempts,
            error=row.error,
            metadata=row.metadata_,
            created_at=row.created_at,
            started_at=row.started_at,
            dead_at=row.dead_at,
            updated_at=row.updated_at,
        )


class DeadLetterPage(BaseModel):
    items: list[DeadLetterRead]
    total: int
    next_offset: int | None
    """Pass as ``offset`` for the next page; None on the last one."""


class RedriveRequest(BaseModel):
    run_ids: list[uuid.UUID] = Field(min_length=1, max_length=1000)


class RedriveResult(BaseModel):
    redriven: list[uuid.UUID]
    """Runs now pending again and sent to the workers."""
    skipped: list[uuid.UUID]
    """Runs that were not dead (never were, or someone re-drove them first)."""
