"""Pure ASGI middleware: request id, access line, HTTP metrics, ids on the server span.

Pure ASGI (not ``BaseHTTPMiddleware``) so context variables set here reach the endpoint and
streaming responses pass through untouched. It sits inside the OpenTelemetry middleware, so
the current span is the request's server span.

* The request id is taken from ``X-Request-ID`` when it is a sane token (≤ 128 characters of
  ``[A-Za-z0-9._:-]``), otherwise generated, and echoed back in the response.
* One access line per request: method, path (query redacted), route template, status,
  duration, plus the ids every line carries.
* Metrics are labelled by route *template* (``/runs/{run_id}/trace``), never the raw path.
"""

from __future__ import annotations

import logging
import re
import time
from typing import Any

from opentelemetry import trace
from opentelemetry.semconv.attributes.http_attributes import HTTP_ROUTE
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from colmeia.telemetry import context as telemetry_context
from colmeia.telemetry.context import REQUEST_ID, TelemetryContext
from colmeia.telemetry.metrics import HTTP_LATENCY, HTTP_REQUESTS

access_logger = logging.getLogger("colmeia.access")

REQUEST_ID_HEADER = b"x-request-id"
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
UNMATCHED = "<unmatched>"


def _request_id(scope: Scope) -> str:
    for name, value in scope["headers"]:
        if name == REQUEST_ID_HEADER:
            candidate: str = value.decode("latin-1")
            if _VALID_REQUEST_ID.match(candidate):
                return candidate
            break
    return telemetry_context.new_request_id()


def method_span_details(scope: Scope) -> tuple[str, dict[str, str]]:
    """The server span's provisional name, before routing; `_finish` names the route."""
    return str(scope.get("method") or "HTTP"), {}


def route_template(scope: Scope) -> str:
    """The matched route's path template, or a fixed label for unmatched paths."""
    route = scope.get("route")
    path: object = getattr(route, "path_format", None) or getattr(route, "path", None)
    return path if isinstance(path, str) else UNMATCHED


def _principal_ids(scope: Scope, context: TelemetryContext) -> None:
    # The auth dependency stores the principal on request.state (scope["state"]); use it if
    # bind_principal was not reached (e.g. the principal was resolved another way).
    principal: Any = (scope.get("state") or {}).get("principal")  # Any: auth's Principal
    if principal is not None and context.user_id is None:
        context.user_id = str(principal.user_id)
        context.tenant_id = str(principal.tenant_id)


def _name_span(span: trace.Span, scope: Scope) -> None:
    """Give the server span its route (``POST /threads/{thread_id}/runs``), see
    `method_span_details`."""
    route = route_template(scope)
    if route != UNMATCHED and span.is_recording():
        span.update_name(f"{scope['method']} {route}")
        span.set_attribute(HTTP_ROUTE, route)


class RequestTelemetryMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        context = TelemetryContext(request_id=_request_id(scope))
        token = telemetry_context.begin(context)
        span = trace.get_current_span()
        if span.is_recording():
            span.set_attribute(REQUEST_ID, context.request_id)
        started = time.perf_counter()
        status = 500
        header = (REQUEST_ID_HEADER, context.request_id.encode())

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), header]
                _name_span(span, scope)  # routed by now; the span ends with the body
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            self._finish(scope, context, status, time.perf_counter() - started, span)
            telemetry_context.end(token)

    def _finish(
        self,
        scope: Scope,
        context: TelemetryContext,
        status: int,
        elapsed: float,
        span: trace.Span,
    ) -> None:
        _principal_ids(scope, context)
        route = route_template(scope)
        method = scope["method"]
        HTTP_REQUESTS.labels(method=method, route=route, status=str(status)).inc()
        HTTP_LATENCY.labels(method=method, route=route).observe(elapsed)
        if span.is_recording():
            span.set_attributes(context.span_attributes())
        query = scope.get("query_string", b"").decode("latin-1")
        access_logger.info(
            "%s %s %s",
            method,
            scope["path"],
            status,
            extra={
                "http": {
                    "method": method,
                    "path": scope["path"] + (f"?{query}" if query else ""),
                    "route": route,
                    "status": status,
                    "duration_ms": round(elapsed * 1000, 3),
                }
            },
        )
