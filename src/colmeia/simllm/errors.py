"""Errors rendered in OpenAI's envelope, so SDKs map them to their own exception classes.

    SimulatedError (any status; body {"error": {"message", "type", "param", "code"}})
    └── raised for: bad requests (400), missing key (401), injected 429 / 500 faults

FastAPI's validation errors (422) and routing errors are re-rendered in the same envelope; the
`openai` SDK reads the status to pick `BadRequestError`, `RateLimitError`, ... and the envelope
for the message.
"""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from colmeia.simllm.schemas import JsonObject


class SimulatedError(Exception):
    """An error response of the simulated provider."""

    def __init__(
        self,
        status_code: int,
        message: str,
        *,
        param: str | None = None,
        code: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.message = message
        self.param = param
        self.code = code
        self.headers = dict(headers or {})

    def to_body(self) -> JsonObject:
        """OpenAI's error envelope for this error."""
        return {
            "error": {
                "message": self.message,
                "type": _error_type(self.status_code),
                "param": self.param,
                "code": self.code,
            }
        }


def install_handlers(app: FastAPI) -> None:
    """Render every error the app can produce in OpenAI's envelope."""
    app.add_exception_handler(SimulatedError, _render_simulated)
    app.add_exception_handler(RequestValidationError, _render_validation)
    app.add_exception_handler(HTTPException, _render_http)


async def _render_simulated(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, SimulatedError)  # registered for this class only
    return JSONResponse(exc.to_body(), status_code=exc.status_code, headers=exc.headers)


async def _render_validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)  # registered for this class only
    first = exc.errors()[0] if exc.errors() else {}
    location = [str(part) for part in first.get("loc", ()) if part != "body"]
    param = ".".join(location) or None
    missing = first.get("type") == "missing"
    message = f"Invalid value for '{param}': {first.get('msg', 'invalid request')}"
    if missing:
        message = f"Missing required parameter: '{param}'."
    error = SimulatedError(
        400,
        message,
        param=param,
        code="missing_required_parameter" if missing else "invalid_value",
    )
    return await _render_simulated(request, error)


async def _render_http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)  # registered for this class only
    error = SimulatedError(exc.status_code, str(exc.detail), code=None, headers=exc.headers)
    return await _render_simulated(request, error)


def _error_type(status_code: int) -> str:
    if status_code == 429:
        return "requests"
    return "server_error" if status_code >= 500 else "invalid_request_error"
