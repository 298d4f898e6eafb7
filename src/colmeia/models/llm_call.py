"""One successful LLM call (or cache hit): the usage ledger that the usage API sums.

No foreign keys: usage is a financial record that must outlive the users, keys and runs it
names. ``day`` (UTC) is stored so grouping by day is the same plain column on every database.
Costs are integer nano-dollars (see ``llm/prices.py``).
"""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import BigInteger, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from colmeia.models.base import Base, RecordMixin


class LLMCall(RecordMixin, Base):
    __tablename__ = "llm_calls"
    __table_args__ = (
        Index("ix_llm_calls_tenant_id_day", "tenant_id", "day"),
        Index("ix_llm_calls_user_id_day", "user_id", "day"),
    )

    day: Mapped[date]
    tenant_id: Mapped[uuid.UUID | None]
    user_id: Mapped[uuid.UUID | None]
    key_id: Mapped[uuid.UUID | None]
    assistant_id: Mapped[str | None] = mapped_column(String(200))
    thread_id: Mapped[str | None] = mapped_column(String(200))
    run_id: Mapped[str | None] = mapped_column(String(200))
    node: Mapped[str | None] = mapped_column(String(200))
    requested_model: Mapped[str] = mapped_column(String(200))
    model: Mapped[str] = mapped_column(String(200))
    attempts: Mapped[int]
    input_tokens: Mapped[int]
    output_tokens: Mapped[int]
    cached_tokens: Mapped[int]
    cost_nusd: Mapped[int] = mapped_column(BigInteger)
    saved_nusd: Mapped[int] = mapped_column(BigInteger)
    cache_hit: Mapped[bool]
    estimated: Mapped[bool]
    price_known: Mapped[bool]
    latency_ms: Mapped[float]
