"""Request dependencies for runs: the event streams and the job queue of this process."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from colmeia.runs.events import RunEvents
from colmeia.worker.enqueue import JobQueue


def get_run_events(request: Request) -> RunEvents:
    events: RunEvents = request.state.run_events
    return events


def get_job_queue(request: Request) -> JobQueue:
    queue: JobQueue = request.state.job_queue
    return queue


RunEventsDep = Annotated[RunEvents, Depends(get_run_events)]
JobQueueDep = Annotated[JobQueue, Depends(get_job_queue)]
