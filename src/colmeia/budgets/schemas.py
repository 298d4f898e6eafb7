"""Shapes for the budget routes."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, model_validator

from colmeia.models import BudgetPeriod, BudgetScope


class BudgetCreate(BaseModel):
    tenant_id: uuid.UUID
    scope: BudgetScope
    subject_id: uuid.UUID
    """The tenant, user, key, thread or run the budget is about."""
    period: BudgetPeriod = BudgetPeriod.month
    max_tokens: int | None = Field(default=None, ge=0, le=10**15)
    max_cost_micros: int | None = Field(default=None, ge=0, le=10**15)

    @model_validator(mode="after")
    def _some_limit(self) -> BudgetCreate:
        if self.max_tokens is None and self.max_cost_micros is None:
            raise ValueError("set max_tokens, max_cost_micros or both")
        return self


class BudgetRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    tenant_id: uuid.UUID
    scope: BudgetScope
    subject_id: uuid.UUID
    period: BudgetPeriod
    max_tokens: int | None
    max_cost_micros: int | None
    created_at: datetime


class BudgetStatus(BaseModel):
    budget: BudgetRead
    used_tokens: int
    used_cost_micros: int
