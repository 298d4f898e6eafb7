"""Response shapes of the trace view."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class SpanNode(BaseModel):
    trace_id: str
    span_id: str
    parent_span_id: str | None
    name: str
    kind: str
    service: str
    status: str
    status_message: str | None
    start_at: datetime
    end_at: datetime
    duration_ms: float
    # Any: span attribute values are JSON scalars or lists of them.
    attributes: dict[str, Any]
    events: list[dict[str, Any]]
    children: list[SpanNode] = Field(default_factory=list)


class TraceRead(BaseModel):
    run_id: uuid.UUID
    trace_ids: list[str]
    span_count: int
    roots: list[SpanNode]
    """Spans whose parent is not stored (normally one: the HTTP request that started the run)."""
