"""One call for the LLM gateway to report a model call: span attributes and metrics together.

The LangChain instrumentation already records model, tokens and content on its LLM spans;
what only the gateway knows — price, cache outcome, the agent on whose behalf it called —
is added here, on the current span, under the GenAI semantic conventions where they exist
(``gen_ai.*``) and ``colmeia.*`` otherwise, and counted in the Prometheus families.
"""

from __future__ import annotations

from dataclasses import dataclass

from opentelemetry import trace

from colmeia.telemetry.metrics import (
    CACHE_LOOKUPS,
    CACHE_SAVED_COST,
    CACHE_SAVED_TOKENS,
    LLM_CALLS,
    LLM_COST,
    LLM_LATENCY,
    LLM_TOKENS,
)


@dataclass(frozen=True, slots=True)
class LLMCall:
    model: str
    agent: str
    input_tokens: int
    output_tokens: int
    cost_usd: float
    latency_s: float
    outcome: str = "ok"
    """``ok``, ``error``, ``timeout``, ``rate_limited`` … (a low-cardinality label)."""
    cache_tier: str | None = None
    """``exact`` or ``semantic`` when answered from the cache, else None."""


def record_llm_call(call: LLMCall, span: trace.Span | None = None) -> None:
    """Annotate ``span`` (default: the current one) and count the call, its tokens, spend and
    latency. On a cache hit, tokens and cost are what the hit saved; the span says it cost 0."""
    span = span or trace.get_current_span()
    hit = call.cache_tier is not None
    if span.is_recording():
        span.set_attributes(
            {
                "gen_ai.operation.name": "chat",
                "gen_ai.request.model": call.model,
                "gen_ai.agent.name": call.agent,
                "gen_ai.usage.input_tokens": call.input_tokens,
                "gen_ai.usage.output_tokens": call.output_tokens,
                "colmeia.llm.cost_usd": 0.0 if hit else call.cost_usd,
                "colmeia.llm.outcome": call.outcome,
                "colmeia.cache.hit": hit,
            }
        )
        if hit:
            span.set_attribute("colmeia.cache.saved_usd", call.cost_usd)
    labels = {"model": call.model, "agent": call.agent}
    if call.cache_tier is not None:
        CACHE_LOOKUPS.labels(tier=call.cache_tier, outcome="hit").inc()
        CACHE_SAVED_TOKENS.inc(call.input_tokens + call.output_tokens)
        CACHE_SAVED_COST.inc(call.cost_usd)
        return
    LLM_CALLS.labels(**labels, outcome=call.outcome).inc()
    LLM_TOKENS.labels(**labels, direction="input").inc(call.input_tokens)
    LLM_TOKENS.labels(**labels, direction="output").inc(call.output_tokens)
    LLM_COST.labels(**labels).inc(call.cost_usd)
    LLM_LATENCY.labels(**labels).observe(call.latency_s)
