"""Telemetry across the queue: ids travel with each task, metrics count each outcome.

The OpenTelemetry Celery instrumentation already carries the trace context in the task
headers (producer span in the API, consumer span in the worker). Our ids — request, run,
user, tenant — travel next to it in a ``colmeia_context`` header, so the worker's log lines
carry the same request id and its spans are stored under the same tenant.
"""

from __future__ import annotations

from contextvars import Token
from typing import Any

from celery import Task
from celery.signals import after_task_publish, before_task_publish, task_postrun, task_prerun
from opentelemetry import trace

from colmeia.telemetry import context as telemetry_context
from colmeia.telemetry.context import TelemetryContext
from colmeia.telemetry.metrics import TASKS

HEADER = "colmeia_context"
_FIELDS = ("request_id", "user_id", "tenant_id", "run_id", "thread_id", "assistant_id")

# Per-task bookkeeping between prerun and postrun, keyed by the task id. Celery calls both
# signals on the thread that runs the task, so the token can be reset there.
_ACTIVE: dict[str, Token[TelemetryContext | None]] = {}


def _inject(headers: dict[str, Any] | None = None, **_: Any) -> None:
    # Any: Celery signal keyword arguments are untyped.
    current = telemetry_context.current()
    if headers is None or current is None:
        return
    headers[HEADER] = current.fields()


def _received(task_id: str | None, task: Task[Any, Any] | None) -> dict[str, str]:
    request = getattr(task, "request", None)
    carried = getattr(request, HEADER, None)
    if not isinstance(carried, dict):
        headers = getattr(request, "headers", None) or {}
        carried = headers.get(HEADER) if isinstance(headers, dict) else None
    return {k: str(v) for k, v in (carried or {}).items() if k in _FIELDS and v}


def _prerun(task_id: str | None = None, task: Task[Any, Any] | None = None, **_: Any) -> None:
    # Any: Celery signal keyword arguments are untyped.
    if task_id is None:
        return
    carried = _received(task_id, task)
    context = TelemetryContext(request_id=carried.pop("request_id", task_id), **carried)
    token = telemetry_context.begin(context)
    _ACTIVE[task_id] = token
    span = trace.get_current_span()
    if span.is_recording():
        span.set_attributes(context.span_attributes())


def _postrun(
    task_id: str | None = None,
    task: Task[Any, Any] | None = None,
    state: str | None = None,
    **_: Any,
) -> None:
    # Any: Celery signal keyword arguments are untyped.
    token = _ACTIVE.pop(task_id or "", None)
    TASKS.labels(task=getattr(task, "name", "unknown"), state=state or "UNKNOWN").inc()
    if token is None:
        return
    span = trace.get_current_span()
    current = telemetry_context.current()
    if span.is_recording() and current is not None:
        span.set_attributes(current.span_attributes())
    try:
        telemetry_context.end(token)
    except ValueError:
        pass  # reset from another context: the task's context ends with its thread anyway


def _end_unregistered_publish(sender: str | None = None, **kwargs: Any) -> None:
    # Any: Celery signal keyword arguments are untyped.
    # The instrumentation starts a producer span for every publish but can only end it when
    # the task is registered in this process; ``send_task("runs.execute")`` from the API names
    # a task only the worker imports. End that span here so it is exported, not lost.
    from opentelemetry.instrumentation.celery import utils

    if utils.retrieve_task_from_sender({"sender": sender}) is not None:
        return
    span = trace.get_current_span()
    if span.is_recording() and getattr(span, "name", None) == f"apply_async/{sender}":
        span.end()


def connect_before_instrumentation() -> None:
    """Hooks that must run before the Celery instrumentation's own (which ends the task span
    on postrun). Receivers run in connection order; idempotent."""
    task_postrun.connect(_postrun, weak=False, dispatch_uid="colmeia.telemetry.postrun")


def connect_after_instrumentation() -> None:
    """Hooks that need the instrumentation's task span to be current already; idempotent."""
    before_task_publish.connect(_inject, weak=False, dispatch_uid="colmeia.telemetry.inject")
    task_prerun.connect(_prerun, weak=False, dispatch_uid="colmeia.telemetry.prerun")
    after_task_publish.connect(
        _end_unregistered_publish, weak=False, dispatch_uid="colmeia.telemetry.end_publish"
    )
