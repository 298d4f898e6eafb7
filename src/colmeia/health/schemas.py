"""Readiness report shapes."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel


class ComponentState(BaseModel):
    status: Literal["up", "down", "not_probed"]
    detail: str | None = None
    latency_ms: float | None = None


class Readiness(BaseModel):
    status: Literal["ready", "not_ready"]
    components: dict[str, ComponentState]
