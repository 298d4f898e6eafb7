"""One finished model call as the LLM metrics and its span see it, and as its usage row.

Shared by the two places that meter calls: the gateway (its own calls) and the run callbacks
(a graph's LangChain models). A cache hit reports the tokens and cost it saved.
"""

from __future__ import annotations

from colmeia.llm.hooks import CallOutcome, CallRequest
from colmeia.llm.prices import NANOS_PER_USD
from colmeia.llm.usage import UsageRecord
from colmeia.telemetry.genai import LLMCall


def metered_call(request: CallRequest, outcome: CallOutcome, latency_s: float) -> LLMCall:
    hit = outcome.cached
    tokens = outcome.saved_tokens if hit and outcome.saved_tokens else outcome.tokens
    return LLMCall(
        model=outcome.model_used,
        agent=request.context.node or "",
        input_tokens=tokens.input,
        output_tokens=tokens.output,
        cost_usd=(outcome.saved_nusd if hit else outcome.cost_nusd) / NANOS_PER_USD,
        latency_s=latency_s,
        cache_tier=outcome.cache_source if hit else None,
    )


def usage_record(
    request: CallRequest, outcome: CallOutcome, latency_s: float, *, price_known: bool
) -> UsageRecord:
    """The call's usage row; ``price_known``: the model answering had a price (a cache hit
    costs nothing, so its price is known whatever the model)."""
    return UsageRecord(
        call_id=request.call_id,
        context=request.context,
        requested_model=request.model,
        model=outcome.model_used,
        attempts=outcome.attempts,
        tokens=outcome.tokens,
        cost_nusd=outcome.cost_nusd,
        latency_ms=latency_s * 1000,
        estimated=outcome.estimated,
        price_known=price_known or outcome.cached,
        cache_hit=outcome.cached,
        saved_nusd=outcome.saved_nusd,
    )
