"""Domain errors that carry their HTTP meaning.

Services raise these, never ``HTTPException``; one handler renders them as
``{"error": {"code", "message", "details"}}`` and the OpenAI-compatible router renders the same
exceptions in OpenAI's envelope. Only genuine bugs become a 500.

    ColmeiaError (500 internal_error)
    ├── BadRequest (400 bad_request)
    │   └── ValidationFailed (422 validation_error)
    ├── Unauthenticated (401 unauthenticated)
    ├── Forbidden (403 forbidden)
    ├── NotFound (404 not_found)
    ├── Conflict (409 conflict)
    ├── PayloadTooLarge (413 payload_too_large)
    ├── RateLimited (429 rate_limited)
    └── ServiceUnavailable (503 service_unavailable)
"""

from __future__ import annotations

from typing import Any, ClassVar


class ColmeiaError(Exception):
    status_code: ClassVar[int] = 500
    code: ClassVar[str] = "internal_error"

    def __init__(self, message: str, *, details: Any = None) -> None:
        # details is any JSON-serialisable value that helps the caller fix the request.
        super().__init__(message)
        self.message = message
        self.details = details

    def to_body(self) -> dict[str, Any]:
        """The JSON body every adapter sends for this error."""
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.details is not None:
            error["details"] = self.details
        return {"error": error}


class BadRequest(ColmeiaError):
    status_code, code = 400, "bad_request"


class ValidationFailed(BadRequest):
    status_code, code = 422, "validation_error"


class Unauthenticated(ColmeiaError):
    status_code, code = 401, "unauthenticated"


class Forbidden(ColmeiaError):
    status_code, code = 403, "forbidden"


class NotFound(ColmeiaError):
    status_code, code = 404, "not_found"


class Conflict(ColmeiaError):
    status_code, code = 409, "conflict"


class PayloadTooLarge(ColmeiaError):
    status_code, code = 413, "payload_too_large"


class RateLimited(ColmeiaError):
    status_code, code = 429, "rate_limited"


class ServiceUnavailable(ColmeiaError):
    status_code, code = 503, "service_unavailable"
