"""The run span: the parent of every graph, node, tool and model span of one run execution.

It opens under the Celery task span (itself a descendant of the HTTP request that created the
run, through the trace context in the task headers), so one trace goes from the request to the
last model call. The run's ids are annotated first, so the task span, the log lines, Sentry
events and every span started inside carry them.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from opentelemetry import trace
from opentelemetry.trace import Status, StatusCode

from colmeia.models import Run
from colmeia.runs.attribution import user_id
from colmeia.telemetry.context import annotate

logger = logging.getLogger("colmeia.runs")


@contextmanager
def traced_run(run: Run) -> Iterator[trace.Span]:
    """Annotate the run's ids on the current task, then open the run span around the body."""
    annotate(
        run_id=run.id,
        thread_id=run.thread_id,
        assistant_id=run.assistant_id,
        tenant_id=run.tenant_id,
        user_id=user_id(run),
    )
    graph_id = str(run.kwargs.get("graph_id"))
    tracer = trace.get_tracer("colmeia.runs")
    with tracer.start_as_current_span(
        f"run {graph_id}",
        attributes={
            "gen_ai.operation.name": "invoke_agent",
            "gen_ai.agent.name": graph_id,
            "colmeia.graph_id": graph_id,
            "colmeia.run_attempt": run.attempt,
        },
    ) as span:
        logger.info("run %s started: graph %s, attempt %d", run.id, graph_id, run.attempt)
        yield span


def mark_failed(message: str) -> None:
    """Set the current (run) span's status to error with an already-redacted ``message``."""
    trace.get_current_span().set_status(Status(StatusCode.ERROR, message))
