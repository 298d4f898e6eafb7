"""Telemetry set-up for a process, called by the composition roots (API app, Celery worker).

    telemetry = configure_telemetry(settings)      # tracing sinks, Sentry, LangSmith
    telemetry.instrument_app(app)                  # API: server spans + request middleware
    telemetry.instrument_engine(engine)            # SQL spans (trace_sql) for our engine

Library instrumentations (Redis, httpx, Celery, LangChain) patch classes, so they are applied
once per process; the sinks, Sentry and LangSmith follow the latest settings given.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from fastapi import FastAPI
from langsmith import Client
from opentelemetry import trace
from opentelemetry.instrumentation.sqlalchemy.engine import EngineTracer
from sqlalchemy.ext.asyncio import AsyncEngine

from colmeia.config import Settings, TelemetrySettings
from colmeia.telemetry import celery as celery_telemetry
from colmeia.telemetry.langsmith import configure_langsmith
from colmeia.telemetry.middleware import RequestTelemetryMiddleware, method_span_details
from colmeia.telemetry.redaction import Redactor
from colmeia.telemetry.secrets import known_secrets
from colmeia.telemetry.sentry import configure_sentry, flush_sentry
from colmeia.telemetry.tracing import TracingPipeline

EXCLUDED_URLS = "/healthz,/readyz,/metrics"
_lock = threading.Lock()
# The process's pipeline (OpenTelemetry's provider is process-global by design); created by
# the first configure_telemetry call and reconfigured by later ones.
_pipeline: list[TracingPipeline] = []


@dataclass(frozen=True)
class Telemetry:
    pipeline: TracingPipeline
    redactor: Redactor
    enabled: bool
    langsmith: Client | None = None
    trace_sql: bool = False

    @property
    def tracer_provider(self) -> trace.TracerProvider:
        return self.pipeline.provider

    def instrument_app(self, app: FastAPI) -> None:
        """Server spans (outermost) and the request middleware (request id, access line,
        HTTP metrics), in that order.

        OpenTelemetry's ASGI middleware rather than its FastAPI instrumentor: the instrumentor
        names each span by matching the path against every route before routing (measured
        1.2 ms per request on our ~100 routes, more than the rest of the tracing); here the span
        starts with the method only and `RequestTelemetryMiddleware` renames it to
        ``METHOD /route/{template}`` and sets ``http.route`` from the route FastAPI matched.
        """
        from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware

        app.add_middleware(RequestTelemetryMiddleware)
        if self.enabled:
            app.add_middleware(
                OpenTelemetryMiddleware,
                excluded_urls=EXCLUDED_URLS,
                default_span_details=method_span_details,
                tracer_provider=self.pipeline.provider,
                exclude_spans=["receive", "send"],
            )

    def instrument_engine(self, engine: AsyncEngine) -> None:
        """SQL spans for ``engine`` when ``trace_sql`` asks for them (engines are created by our
        own factory, after the instrumentation could patch SQLAlchemy's, so each is
        instrumented explicitly)."""
        if not (self.enabled and self.trace_sql):
            return
        tracer = self.pipeline.provider.get_tracer("opentelemetry.instrumentation.sqlalchemy")
        from opentelemetry.metrics import NoOpMeter

        connections = NoOpMeter("colmeia").create_up_down_counter("db.client.connections.usage")
        EngineTracer(tracer, engine.sync_engine, connections)  # type: ignore[no-untyped-call]

    def flush(self, timeout_s: float = 10.0) -> bool:
        """Write out pending spans, LangSmith runs and Sentry events (tests, shutdown)."""
        flushed = self.pipeline.provider.force_flush(int(timeout_s * 1000))
        if self.langsmith is not None:
            self.langsmith.flush(timeout=timeout_s)
        flush_sentry()
        return flushed


def _instrument_libraries(pipeline: TracingPipeline, config: TelemetrySettings) -> None:
    from openinference.instrumentation import TraceConfig
    from openinference.instrumentation.langchain import LangChainInstrumentor
    from opentelemetry.instrumentation.celery import CeleryInstrumentor
    from opentelemetry.instrumentation.httpx import (
        HTTPX2ClientInstrumentor,
        HTTPXClientInstrumentor,
    )
    from opentelemetry.instrumentation.redis import RedisInstrumentor

    provider = pipeline.provider
    if config.trace_redis:
        RedisInstrumentor().instrument(tracer_provider=provider)
    HTTPXClientInstrumentor().instrument(tracer_provider=provider)
    # The openai SDK (hence LangChain's OpenAI models) sends through the httpx2 fork.
    HTTPX2ClientInstrumentor().instrument(tracer_provider=provider)
    celery_telemetry.connect_before_instrumentation()
    CeleryInstrumentor().instrument(tracer_provider=provider)  # type: ignore[no-untyped-call]
    celery_telemetry.connect_after_instrumentation()
    hide = not config.record_content
    LangChainInstrumentor().instrument(
        tracer_provider=provider,
        config=TraceConfig(hide_inputs=hide, hide_outputs=hide),
    )
    _run_langchain_tracer_inline()


def _run_langchain_tracer_inline() -> None:
    """Have LangChain call the OpenInference tracer on the event loop, as it calls LangSmith's.

    Why: a sync handler without ``run_inline`` gets one hop to the default executor per
    callback event (every graph, node, tool and model start and end); in a worker that is ~10%
    of a run's CPU (measured: 20.3 → 18.3 ms per no-op run, 39 → 43 runs/s). The tracer is
    built for it: it locks its own state and never attaches a context. Order is unchanged for
    what matters: inline handlers run in list order, and the instrumentation appends its tracer
    after the handlers a run's config passes (the accounting ones), so those still annotate a
    model call's span before the tracer ends it (`tests/telemetry/test_run_trace.py`).
    """
    from openinference.instrumentation.langchain._tracer import OpenInferenceTracer

    OpenInferenceTracer.run_inline = True


def _process_pipeline(settings: Settings) -> TracingPipeline:
    with _lock:
        if not _pipeline:
            pipeline = TracingPipeline(settings.telemetry.service_name)
            trace.set_tracer_provider(pipeline.provider)
            _instrument_libraries(pipeline, settings.telemetry)
            _pipeline.append(pipeline)
        return _pipeline[0]


def configure_telemetry(settings: Settings, *, store_spans: bool = True) -> Telemetry:
    """Set up tracing sinks, Sentry and LangSmith for this process from ``settings``."""
    config = settings.telemetry
    redactor = Redactor(known_secrets(settings))
    pipeline = _process_pipeline(settings)
    pipeline.configure(
        enabled=config.tracing,
        sample_ratio=config.sample_ratio,
        database_url=settings.database_url if config.store_spans and store_spans else None,
        retention_days=config.span_retention_days,
        otlp_endpoint=config.otlp_endpoint,
        redactor=redactor,
    )
    configure_sentry(
        config.sentry_dsn.get_secret_value() if config.sentry_dsn else None,
        environment=settings.environment.value,
        release="colmeia@0.1.0",
        traces_sample_rate=config.sentry_traces_sample_rate,
        redactor=redactor,
    )
    langsmith = configure_langsmith(
        enabled=config.langsmith_tracing,
        endpoint=config.langsmith_endpoint,
        api_key=config.langsmith_api_key.get_secret_value() if config.langsmith_api_key else None,
        project=config.langsmith_project,
        redactor=redactor,
    )
    return Telemetry(
        pipeline,
        redactor,
        enabled=config.tracing,
        langsmith=langsmith,
        trace_sql=config.trace_sql,
    )
