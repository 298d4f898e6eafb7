"""Spans on their way out: redacted copies with GenAI semantic-convention attributes.

A finished span is immutable, so rather than scrubbing in place every sink (the database
store, the OTLP exporter) receives a *copy* made by `clean_span`: attribute values, event
attributes, the status message and the name pass through the one `Redactor`, and LLM spans
recorded by the LangChain instrumentation (OpenInference conventions) gain the OpenTelemetry
GenAI attributes (``gen_ai.request.model``, ``gen_ai.usage.input_tokens`` …) dashboards query.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from opentelemetry.sdk.trace import Event, ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult
from opentelemetry.trace import Status
from opentelemetry.util.types import AttributeValue

from colmeia.telemetry.redaction import MASK, SENSITIVE_KEY, Redactor

_OPENINFERENCE_TO_GENAI = {
    "llm.model_name": "gen_ai.request.model",
    "llm.token_count.prompt": "gen_ai.usage.input_tokens",
    "llm.token_count.completion": "gen_ai.usage.output_tokens",
    "llm.token_count.total": "gen_ai.usage.total_tokens",
    "llm.provider": "gen_ai.provider.name",
    "llm.system": "gen_ai.system",
    "llm.cost.total": "gen_ai.usage.cost",
}
_OPERATIONS = {"LLM": "chat", "TOOL": "execute_tool", "EMBEDDING": "embeddings", "AGENT": "agent"}


def genai_attributes(attributes: Mapping[str, AttributeValue]) -> dict[str, AttributeValue]:
    """GenAI semantic-convention attributes derived from OpenInference ones."""
    derived: dict[str, AttributeValue] = {}
    kind = attributes.get("openinference.span.kind")
    if isinstance(kind, str) and kind in _OPERATIONS:
        derived["gen_ai.operation.name"] = _OPERATIONS[kind]
    for source, target in _OPENINFERENCE_TO_GENAI.items():
        if source in attributes and target not in attributes:
            derived[target] = attributes[source]
    if "llm.model_name" in attributes:
        derived.setdefault("gen_ai.response.model", attributes["llm.model_name"])
    if kind == "TOOL" and "tool.name" in attributes:
        derived["gen_ai.tool.name"] = attributes["tool.name"]
    node = _langgraph_node(attributes.get("metadata"))
    if node is not None:
        derived["colmeia.node"] = node
        derived.setdefault("gen_ai.agent.name", node)
    return derived


def _langgraph_node(metadata: AttributeValue | None) -> str | None:
    if not isinstance(metadata, str) or "langgraph_node" not in metadata:
        return None
    try:
        node = json.loads(metadata).get("langgraph_node")
    except (ValueError, AttributeError):
        return None
    return node if isinstance(node, str) else None


def _clean_value(value: AttributeValue, redactor: Redactor) -> AttributeValue:
    if isinstance(value, str):
        return redactor.text(value)
    if isinstance(value, Sequence) and not isinstance(value, bytes):
        return tuple(redactor.text(v) if isinstance(v, str) else v for v in value)
    return value


def clean_attributes(
    attributes: Mapping[str, AttributeValue] | None, redactor: Redactor
) -> dict[str, AttributeValue]:
    """Redacted attributes; values under sensitive keys (``…authorization``) are masked."""
    cleaned: dict[str, AttributeValue] = {}
    for key, value in (attributes or {}).items():
        if SENSITIVE_KEY.search(key.rsplit(".", 1)[-1]):
            cleaned[key] = MASK
        else:
            cleaned[key] = _clean_value(value, redactor)
    return cleaned


def clean_span(span: ReadableSpan, redactor: Redactor) -> ReadableSpan:
    """A redacted copy of ``span``, with GenAI attributes added."""
    attributes = clean_attributes(span.attributes, redactor)
    attributes.update(genai_attributes(attributes))
    events = [
        Event(event.name, clean_attributes(event.attributes, redactor), event.timestamp)
        for event in span.events
    ]
    status = span.status
    if status.description:
        status = Status(status.status_code, redactor.text(status.description))
    return ReadableSpan(
        name=redactor.text(span.name),
        context=span.context,
        parent=span.parent,
        resource=span.resource,
        attributes=attributes,
        events=events,
        links=span.links,
        kind=span.kind,
        status=status,
        start_time=span.start_time,
        end_time=span.end_time,
        instrumentation_scope=span.instrumentation_scope,
    )


class RedactingExporter(SpanExporter):
    """Hands redacted copies to another exporter (OTLP): nothing leaves the process raw."""

    def __init__(self, exporter: SpanExporter, redactor: Redactor) -> None:
        self._exporter = exporter
        self._redactor = redactor

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        return self._exporter.export([clean_span(s, self._redactor) for s in spans])

    def shutdown(self) -> None:
        self._exporter.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return self._exporter.force_flush(timeout_millis)


def jsonable_attributes(attributes: Mapping[str, AttributeValue]) -> dict[str, Any]:
    # Any: JSON column content (str, number, bool or list of them).
    """Attributes as JSON-ready values (tuples become lists)."""
    return {k: list(v) if isinstance(v, tuple) else v for k, v in attributes.items()}
