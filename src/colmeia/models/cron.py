"""A cron: a run created on a schedule, as its creator, on one thread or a new one each time."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from colmeia.kit.time import utc_now
from colmeia.models.base import Base, RecordMixin


class Cron(RecordMixin, Base):
    __tablename__ = "crons"
    __table_args__ = (Index("ix_crons_enabled_next_run_date", "enabled", "next_run_date"),)

    tenant_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), index=True
    )
    # Runs are created as this user (attribution, budgets); the cron goes when the user does.
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    assistant_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("assistants.id", ondelete="CASCADE"), index=True
    )
    # None: every run gets a new thread (deleted after it, unless on_run_completed = keep).
    thread_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("threads.id", ondelete="CASCADE"), index=True, default=None
    )
    schedule: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str | None] = mapped_column(String(64), default=None)
    # The run to create: a `RunCreate` body (input, config, context, stream_mode, …).
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata", JSON, default=dict)
    on_run_completed: Mapped[str | None] = mapped_column(String(10), default=None)
    enabled: Mapped[bool] = mapped_column(default=True)
    end_time: Mapped[datetime | None] = mapped_column(default=None)
    next_run_date: Mapped[datetime]
    updated_at: Mapped[datetime] = mapped_column(default=utc_now)
