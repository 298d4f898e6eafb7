"""OpenAI's error envelope for every error on the ``/v1`` routes.

The same `ColmeiaError` exceptions the rest of the API raises are rendered here as
``{"error": {"message", "type", "param", "code"}}``, so the ``openai`` SDK maps them to its own
classes (it picks the class by status). The route class catches errors from dependencies (auth)
and body validation too, which the app-wide handlers would render in Colmeia's own shape.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute

from colmeia.errors import ColmeiaError

logger = logging.getLogger("colmeia.openai_compat")


def error_type(status: int) -> str:
    if status == 401:
        return "authentication_error"
    if status == 403:
        return "permission_error"
    if status == 429:
        return "rate_limit_error"
    return "server_error" if status >= 500 else "invalid_request_error"


def envelope(status: int, message: str, code: str | None, param: str | None = None) -> JSONResponse:
    """An OpenAI-shaped error response."""
    body = {"error": {"message": message, "type": error_type(status), "param": param, "code": code}}
    return JSONResponse(body, status_code=status)


def render(error: Exception) -> JSONResponse:
    """The envelope for any exception a ``/v1`` route can raise; bugs become a bare 500."""
    if isinstance(error, ColmeiaError):
        param = error.details.get("param") if isinstance(error.details, dict) else None
        response = envelope(error.status_code, error.message, error.code, param)
        retry_after = getattr(error, "retry_after_s", None)
        if isinstance(retry_after, int | float):
            response.headers["retry-after"] = str(max(1, round(retry_after)))
        if error.status_code == 401:
            response.headers["www-authenticate"] = "Bearer"
        return response
    if isinstance(error, RequestValidationError):
        first: dict[str, Any] = error.errors()[0] if error.errors() else {}
        param = ".".join(str(part) for part in first.get("loc", ()) if part != "body") or None
        message = f"invalid value for {param!r}: {first.get('msg', 'invalid request')}"
        return envelope(400, message, "invalid_value", param)
    logger.error("unhandled error on a /v1 route", exc_info=error)
    return envelope(500, "internal server error", "internal_error")


class OpenAIRoute(APIRoute):
    """A route whose errors, from dependencies and validation included, use OpenAI's envelope."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                return await handler(request)
            except Exception as error:  # rendered in the envelope; bugs logged as such
                return render(error)

        return route
