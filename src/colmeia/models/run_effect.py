"""A side effect a tool performed for a run, recorded once under its idempotency key.

The unique key (run id + tool call id by default) is what makes a retried run's tool call a
no-op: the second attempt finds the row and gets the recorded result instead of acting again.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from colmeia.models.base import Base, RecordMixin


class RunEffect(RecordMixin, Base):
    __tablename__ = "run_effects"

    key: Mapped[str] = mapped_column(String(500), unique=True)
    run_id: Mapped[uuid.UUID | None] = mapped_column(default=None, index=True)
    attempt: Mapped[int] = mapped_column(default=0)
    """The run attempt that started the effect (a later attempt may take over an unfinished one)."""
    result: Mapped[Any] = mapped_column(JSON, default=None, nullable=True)
    # Any: whatever JSON the tool's action returned.
    completed_at: Mapped[datetime | None] = mapped_column(default=None)
    """None while the action is in flight (or was cut off by a crash)."""
