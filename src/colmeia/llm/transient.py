"""Which provider failures are worth a retry, and how long the provider asked us to wait.

Classification is by the shape every httpx-based provider SDK shares (``openai``, ``anthropic``,
and the many integrations built on them): an error with ``status_code`` and ``response``, or a
timeout / connection error. 408, 409, 429 and 5xx (incl. Anthropic's 529 "overloaded") are
transient; other statuses are the request's fault and fail fast.
"""

from __future__ import annotations

import email.utils
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import aiohttp
import httpx
import openai

from colmeia.errors import ColmeiaError
from colmeia.llm.errors import (
    ModelNotFound,
    UpstreamFailed,
    UpstreamRateLimited,
    UpstreamRejected,
    UpstreamTimeout,
)

Kind = Literal["rate_limit", "server", "timeout", "connection", "permanent"]
TRANSIENT_STATUSES = frozenset({408, 409, 429, 500, 502, 503, 504, 529})
_TIMEOUTS: tuple[type[BaseException], ...] = (
    openai.APITimeoutError,
    httpx.TimeoutException,
    TimeoutError,
)
_CONNECTION: tuple[type[BaseException], ...] = (
    openai.APIConnectionError,
    httpx.TransportError,
    aiohttp.ClientConnectionError,  # the pass-through's client (`colmeia.llm.passthrough`)
    aiohttp.ClientPayloadError,
)


def _error_types() -> tuple[tuple[type[BaseException], ...], tuple[type[BaseException], ...]]:
    """Timeout and connection error types, Anthropic's included once its SDK is loaded.

    Importing ``anthropic`` costs ~1.5 s at start-up; an Anthropic error cannot exist before
    the SDK is imported, so it is looked up only when something else already loaded it.
    """
    anthropic = sys.modules.get("anthropic")
    if anthropic is None:
        return _TIMEOUTS, _CONNECTION
    return (
        (*_TIMEOUTS, anthropic.APITimeoutError),
        (*_CONNECTION, anthropic.APIConnectionError),
    )


@dataclass(frozen=True, slots=True)
class Failure:
    """One failed attempt, classified."""

    kind: Kind
    status: int | None = None
    retry_after_s: float | None = None
    message: str = ""

    @property
    def transient(self) -> bool:
        return self.kind != "permanent"


def classify(error: BaseException) -> Failure | None:
    """The failure ``error`` stands for, or None when it is not a provider failure (a bug)."""
    timeouts, connection = _error_types()
    if isinstance(error, timeouts):
        return Failure("timeout", message="the provider did not answer in time")
    if isinstance(error, connection):
        return Failure("connection", message="could not reach the provider")
    # Duck-typed: SDKs ship their own httpx flavour (openai 3 uses ``httpx2``); the
    # pass-through's `UpstreamStatus` carries the headers itself.
    status = getattr(error, "status_code", None)
    headers = getattr(getattr(error, "response", None), "headers", None)
    if headers is None:
        headers = getattr(error, "headers", None)
    if not isinstance(status, int) or headers is None:
        return None
    message = _provider_message(error)
    if status == 429:
        return Failure("rate_limit", status, retry_after(headers), message)
    if status in TRANSIENT_STATUSES:
        return Failure("server", status, retry_after(headers), message)
    return Failure("permanent", status, None, message)


def retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds the provider asked to wait: ``retry-after-ms``, else ``retry-after``
    (seconds or an HTTP date)."""
    raw_ms = headers.get("retry-after-ms")
    if raw_ms:
        try:
            return max(float(raw_ms) / 1000, 0.0)
        except ValueError:
            pass
    raw = headers.get("retry-after")
    if not raw:
        return None
    try:
        return max(float(raw), 0.0)
    except ValueError:
        pass
    try:
        parsed = email.utils.parsedate_to_datetime(raw)
    except (ValueError, TypeError):
        return None  # neither seconds nor a date: no hint
    return max(parsed.timestamp() - time.time(), 0.0)


def to_gateway_error(failure: Failure, model: str) -> ColmeiaError:
    """The error a caller gets once retries and fallbacks are spent on ``failure``."""
    if failure.kind == "rate_limit":
        return UpstreamRateLimited(
            f"the provider of {model!r} is rate limiting requests", failure.retry_after_s
        )
    if failure.kind == "timeout":
        return UpstreamTimeout(f"{model!r}: {failure.message}")
    if failure.kind in ("server", "connection"):
        return UpstreamFailed(f"{model!r}: {failure.message or 'the provider failed'}")
    if failure.status == 404:
        return ModelNotFound(model, "is not served by its provider")
    if failure.status in (401, 403):
        # The provider refused *our* credentials: a deployment problem, not the caller's.
        return UpstreamFailed(f"the provider of {model!r} refused Colmeia's credentials")
    return UpstreamRejected(f"the provider rejected the request: {failure.message}")


def _provider_message(error: BaseException) -> str:
    body = getattr(error, "body", None)
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and isinstance(inner.get("message"), str):
            return str(inner["message"])[:500]
    return str(getattr(error, "message", "") or type(error).__name__)[:500]
