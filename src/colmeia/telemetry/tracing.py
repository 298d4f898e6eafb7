"""The OpenTelemetry pipeline of a process: provider, sampler, sinks and instrumentations.

OpenTelemetry's tracer provider and library instrumentations are process-global by design
(instrumentations patch classes once). So each process gets one provider, created on first
use, whose sinks sit behind a `SwappableProcessor`: `TracingPipeline.configure` installs the
sinks for the given settings (span store, OTLP exporter) and retires the previous ones. A
process is normally configured once; tests build many apps in one process and reconfigure.

Sampling: a trace's descendants follow its root; a new root is kept at ``sample_ratio``,
except *client* spans with no parent (a Redis heartbeat, a readiness probe's query), which are
background chatter with nothing to attach to and are dropped.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.sampling import (
    ALWAYS_OFF,
    ALWAYS_ON,
    Decision,
    ParentBased,
    Sampler,
    SamplingResult,
    TraceIdRatioBased,
)
from opentelemetry.trace import Link, SpanKind
from opentelemetry.util.types import Attributes

from colmeia.telemetry import context as telemetry_context
from colmeia.telemetry.redaction import Redactor
from colmeia.telemetry.spans import RedactingExporter
from colmeia.telemetry.store import SpanStoreProcessor


class _RootSampler(Sampler):
    """Drops parentless client spans; samples other new traces at a ratio."""

    def __init__(self, ratio: float) -> None:
        self._ratio: Sampler = TraceIdRatioBased(ratio) if ratio < 1.0 else ALWAYS_ON

    def should_sample(
        self,
        parent_context: Context | None,
        trace_id: int,
        name: str,
        kind: SpanKind | None = None,
        attributes: Attributes = None,
        links: Sequence[Link] | None = None,
        trace_state: trace.TraceState | None = None,
    ) -> SamplingResult:
        if kind is SpanKind.CLIENT:
            return SamplingResult(Decision.DROP)
        return self._ratio.should_sample(
            parent_context, trace_id, name, kind, attributes, links, trace_state
        )

    def get_description(self) -> str:
        return "ColmeiaRootSampler"


class SwappableProcessor(SpanProcessor):
    """Forwards to the currently installed sinks; `swap` replaces them atomically."""

    def __init__(self) -> None:
        self._sinks: tuple[SpanProcessor, ...] = ()
        self._lock = threading.Lock()

    def swap(self, sinks: Sequence[SpanProcessor]) -> tuple[SpanProcessor, ...]:
        with self._lock:
            old, self._sinks = self._sinks, tuple(sinks)
        return old

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        for sink in self._sinks:
            sink.on_start(span, parent_context)

    def on_end(self, span: ReadableSpan) -> None:
        for sink in self._sinks:
            sink.on_end(span)

    def shutdown(self) -> None:
        for sink in self.swap(()):
            sink.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return all(sink.force_flush(timeout_millis) for sink in self._sinks)


class ContextAttributes(SpanProcessor):
    """Stamps the ids known so far (request, run, thread, assistant, user, tenant) on every span
    as it starts, so each span of a run — node, tool, model call — says whose it is."""

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        current = telemetry_context.current()
        if current is not None:
            span.set_attributes(current.span_attributes())


class TracingPipeline:
    """The process's provider and its current sinks."""

    def __init__(self, service_name: str) -> None:
        self.sinks = SwappableProcessor()
        self._sampler: ParentBased | None = None
        self.provider = TracerProvider(
            resource=Resource.create({"service.name": service_name}),
            sampler=_DelegatingSampler(self),
        )
        self.provider.add_span_processor(ContextAttributes())
        self.provider.add_span_processor(self.sinks)

    def configure(
        self,
        *,
        enabled: bool,
        sample_ratio: float,
        database_url: str | None,
        retention_days: float,
        otlp_endpoint: str | None,
        redactor: Redactor,
    ) -> None:
        """Install the sinks for these settings and retire the previous ones."""
        root = _RootSampler(sample_ratio) if enabled else ALWAYS_OFF
        self._sampler = ParentBased(root=root, remote_parent_not_sampled=root)
        sinks: list[SpanProcessor] = []
        if enabled and database_url is not None:
            sinks.append(SpanStoreProcessor(database_url, redactor, retention_days))
        if enabled and otlp_endpoint:
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

            endpoint = otlp_endpoint.rstrip("/") + "/v1/traces"
            exporter = RedactingExporter(OTLPSpanExporter(endpoint=endpoint), redactor)
            sinks.append(BatchSpanProcessor(exporter, schedule_delay_millis=500))
        for old in self.sinks.swap(sinks):
            old.shutdown()

    @property
    def sampler(self) -> Sampler:
        return self._sampler or ParentBased(root=ALWAYS_OFF)


class _DelegatingSampler(Sampler):
    """The provider's sampler is fixed at creation; this one reads the pipeline's current."""

    def __init__(self, pipeline: TracingPipeline) -> None:
        self._pipeline = pipeline

    def should_sample(
        self,
        parent_context: Context | None,
        trace_id: int,
        name: str,
        kind: SpanKind | None = None,
        attributes: Attributes = None,
        links: Sequence[Link] | None = None,
        trace_state: trace.TraceState | None = None,
    ) -> SamplingResult:
        return self._pipeline.sampler.should_sample(
            parent_context, trace_id, name, kind, attributes, links, trace_state
        )

    def get_description(self) -> str:
        return "ColmeiaSampler"
