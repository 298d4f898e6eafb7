"""Errors of the LLM gateway, as callers see them.

    ColmeiaError
    ├── NotFound
    │   └── ModelNotFound (404 model_not_found)
    ├── BadRequest
    │   └── UpstreamRejected (400 upstream_rejected): the provider refused the request
    ├── RateLimited
    │   └── UpstreamRateLimited (429): retries and fallbacks exhausted on 429s
    └── UpstreamFailed (502 upstream_error)
        └── UpstreamTimeout (504 upstream_timeout)

``retry_after_s`` travels with the 429 so adapters can send ``Retry-After``.
"""

from __future__ import annotations

from typing import ClassVar

from colmeia.errors import BadRequest, ColmeiaError, NotFound, RateLimited


class ModelNotFound(NotFound):
    code = "model_not_found"

    def __init__(self, name: str, reason: str = "is not a known model") -> None:
        super().__init__(f"the model {name!r} {reason}")
        self.model = name


class UpstreamRejected(BadRequest):
    code = "upstream_rejected"


class UpstreamRateLimited(RateLimited):
    def __init__(self, message: str, retry_after_s: float | None) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class UpstreamFailed(ColmeiaError):
    status_code: ClassVar[int] = 502
    code: ClassVar[str] = "upstream_error"


class UpstreamTimeout(UpstreamFailed):
    status_code, code = 504, "upstream_timeout"
