"""A finished OpenTelemetry span kept for the trace view, owned by one tenant.

Rows are written by the telemetry span store (already redacted) and read by ``traces/``.
``run_id`` is copied from the ``colmeia.run_id`` attribute of the span's local trace so a
run's spans are found without joining the runs table.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from colmeia.models.base import Base, RecordMixin


class Span(RecordMixin, Base):
    __tablename__ = "spans"
    __table_args__ = (
        Index("ix_spans_tenant_id_run_id", "tenant_id", "run_id"),
        Index("ix_spans_tenant_id_trace_id", "tenant_id", "trace_id"),
    )

    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    trace_id: Mapped[str] = mapped_column(String(32))
    span_id: Mapped[str] = mapped_column(String(16))
    parent_span_id: Mapped[str | None] = mapped_column(String(16), default=None)
    run_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    name: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(16))
    service: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(8))
    status_message: Mapped[str | None] = mapped_column(Text, default=None)
    start_at: Mapped[datetime] = mapped_column(index=True)
    end_at: Mapped[datetime]
    duration_ms: Mapped[float] = mapped_column(Float)
    # Any: span attributes and events are JSON values of any shape.
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    events: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
