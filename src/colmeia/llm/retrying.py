"""Retries of one model with backoff and jitter, honouring ``Retry-After`` (tenacity).

A transient failure is retried up to the model's ``max_retries``; the wait is the longer of the
provider's ``Retry-After`` and an exponential backoff with full jitter. When the provider asks
for a longer wait than ``max_wait_s``, retrying this model is pointless: the attempt loop stops
at once so the caller can move to the fallback.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, stop_after_attempt
from tenacity.wait import wait_random_exponential

from colmeia.llm.transient import Failure, classify

logger = logging.getLogger("colmeia.llm")

Sleep = Callable[[float], Awaitable[None]]
T = TypeVar("T")


class AttemptFailed(Exception):
    """One attempt failed with a classified provider failure."""

    def __init__(self, failure: Failure) -> None:
        super().__init__(failure.message)
        self.failure = failure


class Exhausted(Exception):
    """This model will not answer: retries spent, a permanent failure, or a too-long wait."""

    def __init__(self, failure: Failure, attempts: int) -> None:
        super().__init__(failure.message)
        self.failure = failure
        self.attempts = attempts


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    backoff_base_s: float = 0.5
    max_wait_s: float = 20.0
    sleep: Sleep = asyncio.sleep

    async def run(
        self, model: str, max_retries: int, attempt: Callable[[], Awaitable[T]]
    ) -> tuple[T, int]:
        """``attempt()`` until it succeeds, with the number of attempts it took; `Exhausted`
        (with the attempt count) when it won't."""
        count = 0
        try:
            async for state in self._retrying(model, max_retries):
                with state:
                    count += 1
                    return await _classified(attempt), count
        except AttemptFailed as failed:
            raise Exhausted(failed.failure, count) from failed
        except Exhausted as permanent:
            raise Exhausted(permanent.failure, count) from permanent.__cause__
        raise AssertionError("tenacity ended without an outcome")  # pragma: no cover

    def _retrying(self, model: str, max_retries: int) -> AsyncRetrying:
        backoff = wait_random_exponential(multiplier=self.backoff_base_s, max=self.max_wait_s)

        def wait(state: RetryCallState) -> float:
            failure = _failure_of(state)
            hinted = failure.retry_after_s if failure and failure.retry_after_s else 0.0
            return max(hinted, backoff(state))

        def stop(state: RetryCallState) -> bool:
            failure = _failure_of(state)
            too_long = bool(failure and (failure.retry_after_s or 0) > self.max_wait_s)
            return too_long or stop_after_attempt(max_retries + 1)(state)

        def log(state: RetryCallState) -> None:
            failure = _failure_of(state)
            kind, status = (failure.kind, failure.status) if failure else ("?", None)
            logger.warning(
                "llm call to %s failed (%s %s), retry %d in %.2fs",
                *(model, kind, status or "", state.attempt_number, state.upcoming_sleep),
            )

        return AsyncRetrying(
            stop=stop,
            wait=wait,
            retry=retry_if_exception_type(AttemptFailed),
            sleep=self.sleep,
            before_sleep=log,
            reraise=True,
        )


async def _classified(attempt: Callable[[], Awaitable[T]]) -> T:
    try:
        return await attempt()
    except Exception as error:
        failure = classify(error)
        if failure is None:
            raise
        if not failure.transient:
            raise Exhausted(failure, 1) from error
        raise AttemptFailed(failure) from error


def _failure_of(state: RetryCallState) -> Failure | None:
    error = state.outcome.exception() if state.outcome else None
    return error.failure if isinstance(error, AttemptFailed) else None
