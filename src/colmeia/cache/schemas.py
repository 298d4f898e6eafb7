"""Admin cache API bodies."""

from __future__ import annotations

from pydantic import BaseModel, Field


class CacheStatsRead(BaseModel):
    tenant: str
    status: str = "ready"
    """This replica's cache: ``ready``, ``starting`` (loading or Redis down), ``disabled``."""
    entries: int
    lookups: int
    hits_exact: int
    hits_semantic: int
    misses: int
    hit_rate: float | None
    hit_rate_exact: float | None = None
    hit_rate_semantic: float | None = None
    verifier_rejections: int
    stores: int
    evictions: int
    invalidations: int
    wrong_answers: int
    saved_prompt_tokens: int
    saved_completion_tokens: int
    saved_cost_usd: float


class CachePurge(BaseModel):
    tag: str | None = Field(default=None, min_length=1, max_length=200)
    """Only entries carrying this tag; omitted: every entry of the tenant."""


class CachePurged(BaseModel):
    deleted: int


class WrongAnswerReport(BaseModel):
    entry_id: str = Field(pattern=r"^\d{1,20}$")
    reason: str = Field(default="", max_length=2000)


class WrongAnswerRead(BaseModel):
    entry_id: str
    tenant: str
    prompt: str
    reason: str
    reported_by: str
    reported_at: float
