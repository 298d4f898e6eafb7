"""What one successful call cost, and where the gateway sends it.

The gateway builds one `UsageRecord` per successful logical call (never per attempt, so a
retried call is counted once) and hands it to a `UsageSink`; the usage domain implements the
sink with a buffered writer to the database.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from langchain_core.messages import AIMessage

from colmeia.kit.time import utc_now
from colmeia.llm.context import CallContext
from colmeia.llm.prices import TokenCounts


@dataclass(frozen=True, slots=True)
class UsageRecord:
    call_id: uuid.UUID
    context: CallContext
    requested_model: str
    model: str
    attempts: int
    tokens: TokenCounts
    cost_nusd: int
    latency_ms: float
    estimated: bool = False
    price_known: bool = True
    cache_hit: bool = False
    saved_nusd: int = 0
    created_at: datetime = field(default_factory=utc_now)


class UsageSink(Protocol):
    async def record(self, record: UsageRecord) -> None:
        """Accept one record; may buffer, must not raise on a healthy system."""
        ...


def reported_tokens(message: AIMessage) -> TokenCounts | None:
    """The usage the provider reported on ``message`` (LangChain's ``usage_metadata``)."""
    usage = message.usage_metadata
    if not usage:
        return None
    details = usage.get("input_token_details") or {}
    return TokenCounts(
        input=int(usage.get("input_tokens", 0)),
        output=int(usage.get("output_tokens", 0)),
        cached_input=int(details.get("cache_read", 0) or 0),
    )
