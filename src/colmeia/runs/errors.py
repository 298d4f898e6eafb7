"""Run errors, with their HTTP meaning."""

from __future__ import annotations

from colmeia.errors import Conflict, NotFound


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
