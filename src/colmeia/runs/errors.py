"""Run errors, with their HTTP meaning."""

from __future__ import annotations

from colmeia.errors import Conflict, NotFound, ValidationFailed


class RunNotFound(NotFound):
    def __init__(self, run_id: object) -> None:
        super().__init__(f"run {run_id} does not exist")


class ThreadBusy(Conflict):
    def __init__(self, thread_id: object) -> None:
        super().__init__(
            f"thread {thread_id} already has a run in progress; "
            "choose multitask_strategy interrupt, rollback or enqueue to run anyway"
        )


class RunStillActive(Conflict):
    def __init__(self, run_id: object) -> None:
        super().__init__(f"run {run_id} is still pending or running; cancel it first")


class IdempotencyKeyReused(ValidationFailed):
    """The key already created a run from a different request (IETF idempotency draft: 422)."""

    code = "idempotency_key_reused"

    def __init__(self, key: str) -> None:
        super().__init__(
            f"Idempotency-Key {key!r} was already used for a different request; "
            "send a new key for a new run"
        )


class InvalidRunTimeout(ValidationFailed):
    def __init__(self, value: object) -> None:
        super().__init__(
            f"config.configurable.run_timeout_s must be a positive number of seconds, not {value!r}"
        )
