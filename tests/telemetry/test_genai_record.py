"""`record_llm_call`: what the gateway reports lands on the span and in the metrics."""

from __future__ import annotations

import uuid

from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from prometheus_client import REGISTRY

from colmeia.config import Settings
from colmeia.telemetry.genai import LLMCall, record_llm_call
from colmeia.telemetry.setup import configure_telemetry


def _value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_a_call_is_annotated_and_counted() -> None:
    settings = Settings(_env_file=None, telemetry={"store_spans": False})
    telemetry = configure_telemetry(settings)
    spans = InMemorySpanExporter()
    telemetry.pipeline.sinks.swap([SimpleSpanProcessor(spans)])
    agent = f"agent-{uuid.uuid4().hex[:6]}"
    call = LLMCall("gpt-4o-mini", agent, 120, 30, 0.0021, 0.8)
    tracer = telemetry.tracer_provider.get_tracer("tests")
    try:
        with tracer.start_as_current_span("llm"):
            record_llm_call(call)
        record_llm_call(LLMCall("gpt-4o-mini", agent, 120, 30, 0.0021, 0.0, cache_tier="exact"))
    finally:
        configure_telemetry(settings)
    [span] = spans.get_finished_spans()
    assert span.attributes is not None
    assert span.attributes["gen_ai.usage.input_tokens"] == 120
    assert span.attributes["colmeia.llm.cost_usd"] == 0.0021
    assert span.attributes["gen_ai.agent.name"] == agent
    labels = {"model": "gpt-4o-mini", "agent": agent}
    assert _value("colmeia_llm_calls_total", **labels, outcome="ok") == 1
    assert _value("colmeia_llm_tokens_total", **labels, direction="input") == 120
    assert _value("colmeia_llm_tokens_total", **labels, direction="output") == 30
    assert _value("colmeia_llm_cost_usd_total", **labels) == 0.0021
    assert _value("colmeia_llm_latency_seconds_count", **labels) == 1
