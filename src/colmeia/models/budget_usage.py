"""Spend per subject and period, copied from the Redis counters now and then (never per call)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from colmeia.kit.time import utc_now
from colmeia.models.base import Base, RecordMixin


class BudgetUsage(RecordMixin, Base):
    __tablename__ = "budget_usage"
    __table_args__ = (UniqueConstraint("scope", "subject_id", "period", "period_start"),)

    scope: Mapped[str] = mapped_column(String(20))
    subject_id: Mapped[uuid.UUID]
    period: Mapped[str] = mapped_column(String(20))
    period_start: Mapped[datetime]
    tokens: Mapped[int] = mapped_column(BigInteger, default=0)
    cost_micros: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utc_now)
