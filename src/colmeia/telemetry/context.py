"""Who and what the current request or task is about: ids for logs, spans and Sentry tags.

A `TelemetryContext` is a small *mutable* object held in a context variable. The request
middleware (or the Celery task hook) creates it; code deeper down fills it in as it learns
more (the principal after authentication, the run id once a run exists) with `bind_principal`
and `annotate`. Because the object is shared rather than copied, what a dependency learns is
visible to the middleware's access line and to every later log line of the same request,
even across ``run_in_threadpool`` context copies.
"""

from __future__ import annotations

import uuid
from contextvars import ContextVar, Token
from dataclasses import dataclass
from typing import Protocol

from opentelemetry import trace

RUN_ID = "colmeia.run_id"
THREAD_ID = "colmeia.thread_id"
ASSISTANT_ID = "colmeia.assistant_id"
USER_ID = "colmeia.user_id"
TENANT_ID = "colmeia.tenant_id"
REQUEST_ID = "colmeia.request_id"


class HasIdentity(Protocol):
    """What `bind_principal` needs from ``auth.Principal`` (no import of the auth domain)."""

    @property
    def user_id(self) -> uuid.UUID: ...

    @property
    def tenant_id(self) -> uuid.UUID: ...


@dataclass(slots=True)
class TelemetryContext:
    request_id: str
    user_id: str | None = None
    tenant_id: str | None = None
    run_id: str | None = None
    thread_id: str | None = None
    assistant_id: str | None = None

    def fields(self) -> dict[str, str]:
        """The non-empty ids, keyed as they appear in log lines."""
        values = {
            "request_id": self.request_id,
            "user_id": self.user_id,
            "tenant_id": self.tenant_id,
            "run_id": self.run_id,
            "thread_id": self.thread_id,
            "assistant_id": self.assistant_id,
        }
        return {k: v for k, v in values.items() if v}

    def span_attributes(self) -> dict[str, str]:
        """The same ids under their ``colmeia.*`` span attribute names."""
        return {f"colmeia.{k}": v for k, v in self.fields().items()}


_current: ContextVar[TelemetryContext | None] = ContextVar("colmeia_telemetry", default=None)


def current() -> TelemetryContext | None:
    return _current.get()


def begin(context: TelemetryContext) -> Token[TelemetryContext | None]:
    """Make ``context`` current; give the token back to `end`."""
    return _current.set(context)


def end(token: Token[TelemetryContext | None]) -> None:
    _current.reset(token)


def new_request_id() -> str:
    return uuid.uuid4().hex


def bind_principal(principal: HasIdentity) -> None:
    """Record the authenticated caller on the current request (logs, spans, Sentry)."""
    annotate(user_id=str(principal.user_id), tenant_id=str(principal.tenant_id))


def annotate(
    *,
    run_id: uuid.UUID | str | None = None,
    thread_id: uuid.UUID | str | None = None,
    assistant_id: uuid.UUID | str | None = None,
    user_id: uuid.UUID | str | None = None,
    tenant_id: uuid.UUID | str | None = None,
) -> None:
    """Attach ids to the current request/task context and to the current span.

    Spans are looked up in the database by ``colmeia.run_id``, and stored under the tenant
    found in ``colmeia.tenant_id``; callers that create or execute a run call this once.
    """
    given = {
        "run_id": run_id,
        "thread_id": thread_id,
        "assistant_id": assistant_id,
        "user_id": user_id,
        "tenant_id": tenant_id,
    }
    values = {k: str(v) for k, v in given.items() if v is not None}
    context = _current.get()
    if context is not None:
        for name, value in values.items():
            setattr(context, name, value)
    span = trace.get_current_span()
    if span.is_recording():
        span.set_attributes({f"colmeia.{k}": v for k, v in values.items()})
    _tag_sentry(values)


def _tag_sentry(values: dict[str, str]) -> None:
    # Sentry tags/user are scoped to the current request or task; ids only, never emails.
    import sentry_sdk

    if not sentry_sdk.is_initialized():
        return
    scope = sentry_sdk.get_isolation_scope()
    for name, value in values.items():
        if name == "user_id":
            scope.set_user({"id": value})
        else:
            scope.set_tag(name, value)
