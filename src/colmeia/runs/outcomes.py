"""How an attempt ended, as the ledger records it: success, failure (transient or not), dead.

Pure decisions, kept apart from the executor that drives graphs: a failure is classified once
(`failed`, which also redacts its message before it reaches a log, a span, the run row or the
event stream), and `spend_attempt` turns a transient failure into a retry or, out of attempts,
a dead letter.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from colmeia.models import Run, RunStatus
from colmeia.runs.failures import RunFailure, assess
from colmeia.runs.tracing import mark_failed
from colmeia.telemetry.redaction import redact

logger = logging.getLogger("colmeia.runs")

# Any (below): run outputs are user-defined state.


@dataclass
class Outcome:
    status: RunStatus
    error: str | None = None
    output: Any = None
    cancel_action: str | None = None
    paused: bool = False
    """The graph stopped with work left (interrupt, breakpoint, cancel): thread "interrupted"."""
    retry: RunFailure | None = None
    """Set when the failure was transient: the run goes back to pending (attempts permitting)."""


def failed(run: Run, error: BaseException, reason: str | None = None) -> Outcome:
    """The outcome of a failed attempt; transient failures are marked for a retry. The message
    is redacted here, before it reaches the log, the span, the run row or the event stream."""
    message = redact(f"{reason}: {error}" if reason else str(error))
    failure = assess(error)
    mark_failed(message)
    # A permanent failure is logged as an error with its traceback, so Sentry receives it with
    # the run's tags; a transient one is retried and only warned about.
    logger.log(
        logging.WARNING if failure.transient else logging.ERROR,
        "run %s attempt %s failed (%s): %s: %s",
        run.id,
        run.attempt,
        "transient" if failure.transient else "permanent",
        type(error).__name__,
        message,
        exc_info=None if failure.transient else error,
    )
    return Outcome(
        RunStatus.error,
        error=f"{type(error).__name__}: {message}",
        output={"__error__": {"error": type(error).__name__, "message": message}},
        retry=failure if failure.transient else None,
    )


def spend_attempt(run: Run, outcome: Outcome) -> Outcome:
    """A transient failure with attempts left goes back to pending; without, the run is dead."""
    if outcome.retry is None:
        return outcome
    if run.attempt < run.max_attempts:
        return Outcome(RunStatus.pending, error=outcome.error, retry=outcome.retry)
    error = f"gave up after {run.attempt} attempts; last error: {outcome.error}"
    output = {"__error__": {"error": "RunDead", "message": error}}
    return Outcome(RunStatus.dead, error=error, output=output)


def error_event(outcome: Outcome) -> dict[str, str] | None:
    """The ``error`` event of a run that failed, died or timed out (None otherwise)."""
    if outcome.status not in (RunStatus.error, RunStatus.dead, RunStatus.timeout):
        return None
    found = outcome.output.get("__error__") if isinstance(outcome.output, dict) else None
    if isinstance(found, dict):
        return found
    name, _, message = (outcome.error or outcome.status.value).partition(": ")
    return {"error": name, "message": message or name}
