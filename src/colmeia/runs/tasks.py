"""Celery tasks for runs: thin, by id; the ledger row says what to do."""

from __future__ import annotations

import uuid
from typing import Any

from celery import Task, shared_task

from colmeia.runs.executor import execute_run
from colmeia.runs.task_names import EXECUTE_TASK


@shared_task(name=EXECUTE_TASK, bind=True)
def execute(self: Task[Any, Any], run_id: str) -> None:
    """Execute the run if this delivery wins its claim (duplicates exit without effects)."""
    runtime: Any = self.app.colmeia_agents  # type: ignore[attr-defined]  # set by create_celery
    parsed = uuid.UUID(run_id)
    runtime.run(lambda context: execute_run(context, parsed))
