"""LangSmith tracing of LangChain/LangGraph runs, when ``LANGSMITH_TRACING=true``.

LangChain traces to LangSmith through its own tracer, which uses the process's cached
LangSmith client. `configure_langsmith` installs a client built from our settings whose
``anonymizer`` is the one `Redactor`: run inputs, outputs, errors and metadata are scrubbed
client-side before upload. Runs carry ``colmeia_run_id``/``thread_id``/``trace_id`` metadata
when the caller passes `run_metadata` in the run config.
"""

from __future__ import annotations

import langsmith
from langsmith import Client
from opentelemetry import trace

from colmeia.telemetry import context as telemetry_context
from colmeia.telemetry.redaction import Redactor


def configure_langsmith(
    *,
    enabled: bool,
    endpoint: str | None,
    api_key: str | None,
    project: str,
    redactor: Redactor,
) -> Client | None:
    """Turn LangSmith tracing on (with a redacting client) or off for this process."""
    if not enabled:
        langsmith.configure(enabled=False)
        return None
    client = Client(
        api_url=endpoint,
        api_key=api_key,
        anonymizer=redactor.mapping,
        # Plain LangSmith ingestion; the OTel bridge would send our spans a second time.
        tracing_mode="langsmith",
    )
    langsmith.configure(client=client, enabled=True, project_name=project)
    return client


def run_metadata() -> dict[str, str]:
    """Metadata to put in a LangChain run config so LangSmith runs carry our ids."""
    metadata: dict[str, str] = {}
    span = trace.get_current_span()
    attributes = getattr(span, "attributes", None) or {}  # SDK spans expose theirs
    for key, value in attributes.items():
        if key.startswith("colmeia.") and isinstance(value, str):
            metadata["colmeia_" + key.removeprefix("colmeia.")] = value
    current = telemetry_context.current()
    if current is not None:
        metadata.update({f"colmeia_{k}": v for k, v in current.fields().items()})
    span_context = span.get_span_context()
    if span_context.is_valid:
        metadata["otel_trace_id"] = format(span_context.trace_id, "032x")
    return metadata
