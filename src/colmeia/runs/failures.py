"""Which graph failures are worth another attempt of the run, and how long to wait first.

A run is retried when its graph failed for a reason that may pass: a provider's 429 (honouring
its Retry-After), 5xx, a timeout or a dropped connection, whether the graph called the
provider SDK directly (``openai`` / ``httpx`` errors, recognised by `llm.transient.classify`)
or through the gateway (its `ColmeiaError` with a 429/502/503/504 meaning), and an outage of
our own Redis (a restart drops the connection the run publishes its events on). Everything else —
a provider's 4xx, invalid input, ``GraphRecursionError``, an exhausted budget, a bug in the
graph — fails the run at once with the reason: repeating it would fail the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import redis.exceptions
from tenacity import RetryCallState, wait_exponential_jitter

from colmeia.errors import ColmeiaError
from colmeia.llm.transient import classify

TRANSIENT_STATUS_CODES = frozenset({429, 502, 503, 504})
INFRASTRUCTURE_OUTAGES = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)
"""Our own Redis (events, broker) restarting under a run: the run did nothing wrong."""
CAUSE_DEPTH = 5


@dataclass(frozen=True, slots=True)
class RunFailure:
    transient: bool
    retry_after_s: float | None = None
    """What the provider asked for, when it said."""


def _one(error: BaseException) -> RunFailure | None:
    if isinstance(error, INFRASTRUCTURE_OUTAGES):
        return RunFailure(transient=True)
    if isinstance(error, ColmeiaError):
        hint = getattr(error, "retry_after_s", None)
        return RunFailure(
            error.status_code in TRANSIENT_STATUS_CODES,
            float(hint) if isinstance(hint, int | float) else None,
        )
    failure = classify(error)
    if failure is None:
        return None
    return RunFailure(failure.transient, failure.retry_after_s)


def assess(error: BaseException) -> RunFailure:
    """Classify ``error``, looking through the exceptions it was raised from (a tool or a
    framework may wrap the provider's error)."""
    current: BaseException | None = error
    for _ in range(CAUSE_DEPTH):
        if current is None:
            break
        found = _one(current)
        if found is not None:
            return found
        current = current.__cause__ or current.__context__
    return RunFailure(transient=False)


def backoff(attempt: int, failure: RunFailure, initial_s: float, max_s: float) -> timedelta:
    """Delay before attempt ``attempt + 1``: tenacity's exponential backoff with jitter, or the
    provider's Retry-After when it asked for longer."""
    wait = wait_exponential_jitter(initial=initial_s, max=max_s, jitter=initial_s)
    state = RetryCallState(retry_object=None, fn=None, args=(), kwargs={})  # type: ignore[arg-type]
    state.attempt_number = max(attempt, 1)
    delay = wait(state)
    if failure.retry_after_s is not None:
        delay = max(delay, failure.retry_after_s)
    return timedelta(seconds=delay)
