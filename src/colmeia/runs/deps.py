"""Request dependencies for runs: the event streams, job queue and run policy of this process."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request

from colmeia.runs.events import RunEvents
from colmeia.runs.policy import RunPolicy
from colmeia.worker.enqueue import JobQueue


async def get_run_events(request: Request) -> RunEvents:
    events: RunEvents = request.state.run_events
    return events


async def get_job_queue(request: Request) -> JobQueue:
    queue: JobQueue = request.state.job_queue
    return queue


async def get_run_policy(request: Request) -> RunPolicy:
    policy: RunPolicy = request.state.run_policy
    return policy


async def get_idempotency_key(
    key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            min_length=1,
            max_length=255,
            pattern=r"^[\x21-\x7e]+$",
            description="Retrying a create with the same key returns the same run, never a second",
        ),
    ] = None,
) -> str | None:
    return key


RunEventsDep = Annotated[RunEvents, Depends(get_run_events)]
JobQueueDep = Annotated[JobQueue, Depends(get_job_queue)]
RunPolicyDep = Annotated[RunPolicy, Depends(get_run_policy)]
IdempotencyKeyDep = Annotated[str | None, Depends(get_idempotency_key)]
