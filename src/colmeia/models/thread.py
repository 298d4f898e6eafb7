"""A conversation thread; its state lives in the LangGraph checkpointer under the same id."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Enum, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from colmeia.kit.time import utc_now
from colmeia.models.base import Base, RecordMixin


class ThreadStatus(StrEnum):
    idle = "idle"
    busy = "busy"
    interrupted = "interrupted"
    error = "error"


class Thread(RecordMixin, Base):
    __tablename__ = "threads"

    tenant_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[ThreadStatus] = mapped_column(
        Enum(ThreadStatus, native_enum=False, length=20, validate_strings=True),
        default=ThreadStatus.idle,
    )
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata", JSON, default=dict)
    # The latest state values and pending interrupts, cached after each run for search.
    values: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    interrupts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utc_now)
