"""A run: the ledger row that is committed before a worker is asked to execute it.

``attempt`` and the lease columns make a claim a fencing token: a worker owns the run only
while its conditional update won, and every later write names the attempt it claimed.
``available_at`` holds a retried run back (backoff); ``max_attempts`` is its attempt budget,
after which it is ``dead`` (the dead-letter list); ``idempotency_key`` + ``request_hash``
make a repeated create return the same run.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Enum, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from colmeia.kit.time import utc_now
from colmeia.models.base import Base, RecordMixin


class RunStatus(StrEnum):
    """A run's status as the Agent Protocol reports it.

    A cancelled run is ``interrupted`` (not "cancelled"): LangGraph Server and ``langgraph-sdk``
    know no other word for it. ``dead`` is Colmeia's: the run used up its attempts and waits in
    the dead-letter list for an operator to re-drive it.
    """

    pending = "pending"
    running = "running"
    success = "success"
    error = "error"
    timeout = "timeout"
    interrupted = "interrupted"
    dead = "dead"


ACTIVE_RUN_STATUSES = (RunStatus.pending, RunStatus.running)


class Run(RecordMixin, Base):
    __tablename__ = "runs"
    __table_args__ = (
        Index("ix_runs_thread_id_status", "thread_id", "status"),
        Index("ix_runs_status_updated_at", "status", "updated_at"),
        # The reaper's queue frontier (newest run claimed) and "any claim lately?" (0008).
        Index("ix_runs_created_at", "created_at"),
        Index("ix_runs_started_at", "started_at"),
        # Unique per tenant; NULL keys never collide (on SQLite and PostgreSQL alike).
        Index("ix_runs_tenant_id_idempotency_key", "tenant_id", "idempotency_key", unique=True),
    )

    tenant_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), index=True
    )
    thread_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"))
    assistant_id: Mapped[uuid.UUID] = mapped_column()
    status: Mapped[RunStatus] = mapped_column(
        Enum(RunStatus, native_enum=False, length=20, validate_strings=True),
        default=RunStatus.pending,
    )
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata", JSON, default=dict)
    # Everything the worker needs to execute the run (input, command, config, stream modes …).
    kwargs: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    multitask_strategy: Mapped[str] = mapped_column(String(20), default="reject")
    attempt: Mapped[int] = mapped_column(default=0)
    lease_owner: Mapped[str | None] = mapped_column(String(200), default=None)
    lease_expires_at: Mapped[datetime | None] = mapped_column(default=None)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    updated_at: Mapped[datetime] = mapped_column(default=utc_now)
    started_at: Mapped[datetime | None] = mapped_column(default=None)
    ended_at: Mapped[datetime | None] = mapped_column(default=None)
    max_attempts: Mapped[int] = mapped_column(default=3, server_default="3")
    available_at: Mapped[datetime | None] = mapped_column(default=None)
    """Not claimable before this time (``after_seconds``, retry backoff)."""
    timeout_s: Mapped[float | None] = mapped_column(default=None)
    """Wall-clock limit of one attempt; None: the deployment's default."""
    deadline_at: Mapped[datetime | None] = mapped_column(default=None)
    """When the current attempt runs out of time (set by the claim)."""
    dead_at: Mapped[datetime | None] = mapped_column(default=None)
    idempotency_key: Mapped[str | None] = mapped_column(String(255), default=None)
    request_hash: Mapped[str | None] = mapped_column(String(64), default=None)
    """SHA-256 of the creating request, to tell a retry from a reuse of the key."""
