"""CORS options for browser clients such as LangChain's Agent Chat UI.

They send ``authorization``/``x-api-key`` and read the run id from ``Content-Location`` and the
resume URL from ``Location``, so those must be allowed and exposed. Off unless origins are set.
"""

from __future__ import annotations

ALLOW_HEADERS = ["content-type", "authorization", "x-api-key", "last-event-id"]
EXPOSE_HEADERS = [
    "content-location",
    "location",
    "retry-after",
    "x-ratelimit-limit",
    "x-ratelimit-remaining",
    "x-ratelimit-reset",
]
ALLOW_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


def cors_options(origins: list[str]) -> dict[str, object]:
    """Keyword arguments for Starlette's ``CORSMiddleware``. Credentials travel in headers,
    never cookies, so ``allow_credentials`` stays off (and ``*`` stays safe)."""
    return {
        "allow_origins": origins,
        "allow_methods": ALLOW_METHODS,
        "allow_headers": ALLOW_HEADERS,
        "expose_headers": EXPOSE_HEADERS,
        "allow_credentials": False,
        "max_age": 600,
    }
