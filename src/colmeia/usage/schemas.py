"""Shapes of the usage API."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Literal

from pydantic import BaseModel

GroupBy = Literal["user", "key", "assistant", "model", "tenant"]


class UsageRow(BaseModel):
    day: date
    user: uuid.UUID | None = None
    key: uuid.UUID | None = None
    assistant: str | None = None
    model: str | None = None
    tenant: uuid.UUID | None = None
    calls: int
    cache_hits: int
    input_tokens: int
    output_tokens: int
    cached_tokens: int
    cost_usd: float
    saved_usd: float
    """What cache hits would have cost (0 until the cache exists)."""


class UsageTotals(BaseModel):
    calls: int = 0
    cache_hits: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    saved_usd: float = 0.0


class UsageReport(BaseModel):
    start: date
    end: date
    group_by: list[GroupBy]
    scope: Literal["all", "tenant", "own"]
    rows: list[UsageRow]
    totals: UsageTotals
