"""A spending limit for one subject (tenant, user, key, thread or run) over one period."""

from __future__ import annotations

import uuid
from enum import StrEnum

from sqlalchemy import BigInteger, Enum, ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from colmeia.models.base import Base, RecordMixin


class BudgetScope(StrEnum):
    tenant = "tenant"
    user = "user"
    key = "key"
    thread = "thread"
    run = "run"


class BudgetPeriod(StrEnum):
    day = "day"
    month = "month"
    total = "total"


class Budget(RecordMixin, Base):
    __tablename__ = "budgets"
    __table_args__ = (UniqueConstraint("tenant_id", "scope", "subject_id", "period"),)

    tenant_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), index=True
    )
    scope: Mapped[BudgetScope] = mapped_column(
        Enum(BudgetScope, native_enum=False, length=20, validate_strings=True)
    )
    subject_id: Mapped[uuid.UUID]
    period: Mapped[BudgetPeriod] = mapped_column(
        Enum(BudgetPeriod, native_enum=False, length=20, validate_strings=True)
    )
    max_tokens: Mapped[int | None] = mapped_column(BigInteger, default=None)
    max_cost_micros: Mapped[int | None] = mapped_column(BigInteger, default=None)
    """Money in millionths of a US dollar, so counters stay integers."""
