"""Retrying the worker's short ledger transactions when the database is momentarily busy.

SQLite serialises writers: under a burst the worker can wait past its busy timeout and get
"database is locked"; PostgreSQL can report a serialization failure or a dropped connection.
These are transient, and every ledger write here is a conditional update that is safe to repeat
(tenacity: exponential backoff with jitter).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import ParamSpec, TypeVar

from sqlalchemy.exc import DBAPIError, OperationalError
from tenacity import (
    AsyncRetrying,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential_jitter,
)

P = ParamSpec("P")
R = TypeVar("R")

ATTEMPTS = 6


def _transient(error: BaseException) -> bool:
    if isinstance(error, OperationalError):
        return True
    return isinstance(error, DBAPIError) and error.connection_invalidated


def ledger_retry(function: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
    """``function`` retried on transient database errors (then the error propagates)."""

    async def retried(*args: P.args, **kwargs: P.kwargs) -> R:
        async for attempt in AsyncRetrying(
            retry=retry_if_exception(_transient),
            stop=stop_after_attempt(ATTEMPTS),
            wait=wait_exponential_jitter(multiplier=0.05, max=2.0, jitter=0.05),
            reraise=True,
        ):
            with attempt:
                return await function(*args, **kwargs)
        raise AssertionError("unreachable: tenacity reraises")

    return retried
