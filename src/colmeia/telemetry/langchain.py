"""The spans LangChain's instrumentation opens: one per graph, node, tool and model call.

Those spans are started and ended by the instrumentation's own callback handler and are never
made current, so code that wants to add to one (the run accounting adds cost and cache outcome
to a model call's span) looks it up by the LangChain run id while it is still open.
"""

from __future__ import annotations

import uuid

from opentelemetry import trace


def span_of(run_id: uuid.UUID) -> trace.Span | None:
    """The open span of LangChain run ``run_id``; None once it ended or when not instrumented."""
    from openinference.instrumentation.langchain import LangChainInstrumentor

    instrumentor = LangChainInstrumentor()
    if not instrumentor.is_instrumented_by_opentelemetry:
        return None
    return instrumentor.get_span(run_id)
