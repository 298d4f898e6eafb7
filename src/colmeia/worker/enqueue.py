"""Enqueue after commit: jobs and signals collected during a unit of work, sent once it commits.

A run is the ledger row; the Celery message only says "execute run X". Sending it before the
commit could hand a worker an id it cannot see yet, and sending it when the commit fails would
execute a run that does not exist — so the endpoint commits first, then calls `flush`. If the
broker refuses, the run stays pending in the ledger for the reaper to re-enqueue.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from celery import Celery

logger = logging.getLogger("colmeia.worker.enqueue")


@dataclass(frozen=True, slots=True)
class Job:
    """One task to send: its name, JSON arguments (ids), an optional delay, and whether it is a
    re-send (routed to the resume queue, see `colmeia.runs.task_names.resume_queue`)."""

    name: str
    kwargs: dict[str, Any]  # Any: task arguments are JSON values (ids)
    countdown: float | None = None
    resend: bool = False


class JobQueue:
    """Sends tasks by name through the configured broker."""

    def __init__(self, celery: Celery) -> None:
        self.celery = celery

    async def send(self, job: Job) -> None:
        queue = self.celery.conf.get("colmeia_resume_queue") if job.resend else None
        await asyncio.to_thread(
            self.celery.send_task,
            job.name,
            kwargs=job.kwargs,
            countdown=job.countdown,
            queue=queue,
        )


@dataclass
class AfterCommit:
    """What a unit of work wants done once (and only if) it commits."""

    jobs: list[Job] = field(default_factory=list)
    calls: list[Callable[[], Awaitable[None]]] = field(default_factory=list)

    def enqueue(self, name: str, countdown: float | None = None, **kwargs: Any) -> None:
        # Any: task arguments are JSON values (ids).
        self.jobs.append(Job(name, kwargs, countdown))

    def resend(self, name: str, **kwargs: Any) -> None:
        """Send a task again for work accepted earlier (to the resume queue)."""
        # Any: task arguments are JSON values (ids).
        self.jobs.append(Job(name, kwargs, resend=True))

    def call(self, action: Callable[[], Awaitable[None]]) -> None:
        self.calls.append(action)

    async def flush(self, queue: JobQueue) -> None:
        """Run the signals, then send the jobs; a failed send is logged, not raised (the ledger
        row is committed and the reaper picks it up)."""
        for action in self.calls:
            await action()
        for job in self.jobs:
            try:
                await queue.send(job)
            except Exception:  # broker down: the committed row is recovered by the reaper
                logger.exception("could not enqueue %s %s", job.name, job.kwargs)
