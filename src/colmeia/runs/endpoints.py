"""Agent Protocol routes for runs on a thread, and stateless runs.

Creating a run commits the ledger row in its own unit of work, then flushes the jobs (enqueue
after commit); streaming and waiting read the run's Redis Stream without holding a DB session.
"""

from __future__ import annotations

import re
import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Header, Query, Request, Response
from fastapi.responses import JSONResponse, StreamingResponse
from sqlalchemy.exc import IntegrityError
from sse_starlette import EventSourceResponse

from colmeia.agents.deps import GraphsDep
from colmeia.auth.deps import CurrentPrincipal
from colmeia.db import unit_of_work
from colmeia.deps import SessionDep, get_sessionmaker
from colmeia.errors import ValidationFailed
from colmeia.models import Run, RunStatus
from colmeia.runs.deps import IdempotencyKeyDep, JobQueueDep, RunEventsDep, get_run_policy
from colmeia.runs.events import RunEvents
from colmeia.runs.idempotency import Idempotency
from colmeia.runs.ledger_retry import ledger_retry
from colmeia.runs.schemas import RunCreate, RunRead, RunsCancel
from colmeia.runs.service import run as run_service
from colmeia.runs.sse import JOIN_IDLE_READS, THREAD_MODES, run_stream, thread_stream
from colmeia.telemetry.context import annotate
from colmeia.threads.service import thread as thread_service
from colmeia.worker.enqueue import AfterCommit

router = APIRouter(tags=["runs"])

STREAM_ID = re.compile(r"\d{1,20}-\d{1,20}")
THREAD_EVENT_ID = re.compile(r"(?P<run>[0-9a-f-]{36}):(?P<entry>\d{1,20}-\d{1,20})")
MAX_BATCH_RUNS = 100
"""Runs per ``/runs/batch`` request: one transaction holds them all."""

# Any (below): run outputs are the graph's JSON state.


class RunSubmission:
    """What every run-creating route needs besides its body and thread, as one dependency.

    ``create`` commits the ledger row in its own unit of work (retried when SQLite is busy),
    answers a replayed ``Idempotency-Key`` with the run it made, then sends the job.
    """

    def __init__(
        self,
        request: Request,
        principal: CurrentPrincipal,
        graphs: GraphsDep,
        events: RunEventsDep,
        queue: JobQueueDep,
        idempotency_key: IdempotencyKeyDep,
    ) -> None:
        self.request = request
        self.principal = principal
        self.graphs = graphs
        self.events = events
        self.queue = queue
        self.idempotency_key = idempotency_key

    async def create(self, thread_id: uuid.UUID | None, body: RunCreate) -> Run:
        key = self.idempotency_key
        idempotency = Idempotency.of(key, thread_id, body) if key else None
        sessionmaker = get_sessionmaker(self.request)
        policy = await get_run_policy(self.request)

        async def commit() -> tuple[Run, AfterCommit]:
            async with unit_of_work(sessionmaker) as session:
                return await run_service.create(
                    session,
                    self.principal,
                    thread_id,
                    body,
                    set(self.graphs),
                    self.events,
                    policy,
                    idempotency,
                )

        try:
            run, after = await ledger_retry(commit)()  # SQLite under a burst: busy, not broken
        except IntegrityError:
            if idempotency is None:
                raise
            async with unit_of_work(sessionmaker) as session:  # a concurrent duplicate won
                existing = await run_service.replay(session, self.principal, idempotency)
            if existing is None:
                raise
            return existing
        # Before the send: the task headers carry these ids, and the stored trace is found by
        # them.
        annotate(run_id=run.id, thread_id=run.thread_id, assistant_id=run.assistant_id)
        await after.flush(self.queue)
        return run

    async def create_batch(self, bodies: list[RunCreate]) -> list[Run]:
        """Stateless runs committed together (all or none: one bad body refuses the batch),
        then sent."""
        if self.idempotency_key:
            raise ValidationFailed("Idempotency-Key is not supported on /runs/batch")
        sessionmaker = get_sessionmaker(self.request)
        policy = await get_run_policy(self.request)
        graph_ids = set(self.graphs)

        async def commit() -> list[tuple[Run, AfterCommit]]:
            async with unit_of_work(sessionmaker) as session:
                return [
                    await run_service.create(
                        session, self.principal, None, body, graph_ids, self.events, policy
                    )
                    for body in bodies
                ]

        created = await ledger_retry(commit)()
        for _, after in created:
            await after.flush(self.queue)
        return [run for run, _ in created]


async def get_submission(
    request: Request,
    principal: CurrentPrincipal,
    graphs: GraphsDep,
    events: RunEventsDep,
    queue: JobQueueDep,
    idempotency_key: IdempotencyKeyDep,
) -> RunSubmission:
    """An ``async def`` factory, not ``Depends()`` on the class: FastAPI builds a class
    dependency in its thread pool (colmeia.deps)."""
    return RunSubmission(request, principal, graphs, events, queue, idempotency_key)


SubmissionDep = Annotated[RunSubmission, Depends(get_submission)]


def _locations(run: Run, stateless: bool, resume: str = "stream") -> dict[str, str]:
    """``Content-Location`` names the run; ``Location`` is where a client reconnects
    (the event stream, or ``join`` for a wait)."""
    if stateless:
        return {"Content-Location": f"/runs/{run.id}"}
    base = f"/threads/{run.thread_id}/runs/{run.id}"
    return {"Content-Location": base, "Location": f"{base}/{resume}"}


async def _output(events: RunEvents, run_id: uuid.UUID) -> Any:
    async for _ in events.read(run_id):
        pass
    found = await events.output(run_id)
    return found["output"] if found else None


def _stream_response(
    events: RunEvents, run: Run, body: RunCreate, stateless: bool
) -> StreamingResponse:
    stream = run_stream(events, run.id, cancel_on_disconnect=body.on_disconnect == "cancel")
    return StreamingResponse(
        stream, media_type="text/event-stream", headers=_locations(run, stateless)
    )


@router.post("/threads/{thread_id}/runs", response_model=RunRead)
async def create(
    thread_id: uuid.UUID,
    body: RunCreate,
    submission: SubmissionDep,
    response: Response,
) -> RunRead:
    run = await submission.create(thread_id, body)
    response.headers.update(_locations(run, stateless=False))
    return RunRead.of(run)


@router.post("/threads/{thread_id}/runs/stream")
async def stream(
    thread_id: uuid.UUID,
    body: RunCreate,
    submission: SubmissionDep,
) -> StreamingResponse:
    run = await submission.create(thread_id, body)
    return _stream_response(submission.events, run, body, stateless=False)


@router.post("/threads/{thread_id}/runs/wait")
async def wait(
    thread_id: uuid.UUID,
    body: RunCreate,
    submission: SubmissionDep,
) -> JSONResponse:
    run = await submission.create(thread_id, body)
    output = await _output(submission.events, run.id)
    return JSONResponse(output, headers=_locations(run, stateless=False, resume="join"))


@router.post("/runs", response_model=RunRead)
async def create_stateless(
    body: RunCreate,
    submission: SubmissionDep,
    response: Response,
) -> RunRead:
    run = await submission.create(None, body)
    response.headers.update(_locations(run, stateless=True))
    return RunRead.of(run)


@router.post("/runs/batch", response_model=list[RunRead])
async def create_stateless_batch(
    bodies: Annotated[list[RunCreate], Body(min_length=1, max_length=MAX_BATCH_RUNS)],
    submission: SubmissionDep,
) -> list[RunRead]:
    """Background stateless runs, as ``client.runs.create_batch`` sends them."""
    return [RunRead.of(run) for run in await submission.create_batch(bodies)]


@router.post("/runs/stream")
async def stream_stateless(
    body: RunCreate,
    submission: SubmissionDep,
) -> StreamingResponse:
    run = await submission.create(None, body)
    return _stream_response(submission.events, run, body, stateless=True)


@router.post("/runs/wait")
async def wait_stateless(
    body: RunCreate,
    submission: SubmissionDep,
) -> JSONResponse:
    run = await submission.create(None, body)
    output = await _output(submission.events, run.id)
    return JSONResponse(output, headers=_locations(run, stateless=True))


@router.get("/threads/{thread_id}/runs", response_model=list[RunRead])
async def list_runs(
    thread_id: uuid.UUID,
    principal: CurrentPrincipal,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 10,
    offset: Annotated[int, Query(ge=0)] = 0,
    status: RunStatus | None = None,
) -> list[RunRead]:
    rows = await run_service.list(session, principal, thread_id, status)
    return [RunRead.of(row) for row in rows[offset : offset + limit]]


@router.get("/threads/{thread_id}/runs/{run_id}", response_model=RunRead)
async def get(
    thread_id: uuid.UUID, run_id: uuid.UUID, principal: CurrentPrincipal, session: SessionDep
) -> RunRead:
    return RunRead.of(await run_service.get(session, principal, thread_id, run_id))


@router.delete("/threads/{thread_id}/runs/{run_id}", status_code=204)
async def delete(
    thread_id: uuid.UUID, run_id: uuid.UUID, principal: CurrentPrincipal, session: SessionDep
) -> Response:
    await run_service.delete(session, principal, thread_id, run_id)
    return Response(status_code=204)


@router.post("/threads/{thread_id}/runs/{run_id}/cancel", status_code=204)
async def cancel(
    thread_id: uuid.UUID,
    run_id: uuid.UUID,
    request: Request,
    principal: CurrentPrincipal,
    events: RunEventsDep,
    queue: JobQueueDep,
    wait: bool = False,
    action: Literal["interrupt", "rollback"] = "interrupt",
) -> Response:
    async with unit_of_work(get_sessionmaker(request)) as session:
        after = await run_service.cancel(session, principal, thread_id, run_id, action, events)
    await after.flush(queue)
    if wait:
        await _output(events, run_id)
    return Response(status_code=204)


@router.post("/runs/cancel", status_code=204)
async def cancel_many(
    selection: RunsCancel,
    request: Request,
    principal: CurrentPrincipal,
    events: RunEventsDep,
    queue: JobQueueDep,
    action: Literal["interrupt", "rollback"] = "interrupt",
) -> Response:
    """Cancel several runs at once (``client.runs.cancel_many``)."""
    async with unit_of_work(get_sessionmaker(request)) as session:
        after = await run_service.cancel_many(session, principal, selection, action, events)
    await after.flush(queue)
    return Response(status_code=204)


def _idle_limit(run: Run) -> int | None:
    """A run still pending or running will produce events; wait for them without limit."""
    return None if run.status in (RunStatus.pending, RunStatus.running) else JOIN_IDLE_READS


@router.get("/threads/{thread_id}/stream")
async def join_thread_stream(
    thread_id: uuid.UUID,
    request: Request,
    principal: CurrentPrincipal,
    events: RunEventsDep,
    stream_mode: Annotated[list[str] | None, Query()] = None,
    stream_modes: Annotated[list[str] | None, Query()] = None,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID")] = None,
) -> EventSourceResponse:
    """Every run of the thread, from its pending and running ones on, until the client leaves
    (``client.threads.join_stream``). ``Last-Event-ID`` resumes after that event: the rest of
    its run, then every run announced on the thread after it."""
    # The SDK sends ``stream_mode``; LangGraph Server reads ``stream_modes``, comma-separated.
    asked = [m.strip() for v in (stream_mode or []) + (stream_modes or []) for m in v.split(",")]
    modes = {mode for mode in asked if mode} or {"run_modes"}
    if unknown := sorted(modes - set(THREAD_MODES)):
        raise ValidationFailed(
            f"unknown thread stream mode {unknown[0]!r}; expected one of {list(THREAD_MODES)}",
            details=[{"loc": ["query", "stream_mode"]}],
        )
    resume = THREAD_EVENT_ID.fullmatch(last_event_id) if last_event_id is not None else None
    if last_event_id is not None and resume is None:
        raise ValidationFailed("Last-Event-ID is not an id this server sent")
    async with unit_of_work(get_sessionmaker(request)) as session:
        active = await run_service.active(session, principal, thread_id)
    follow = {run.id: "0-0" for run in active}
    after = None
    if resume is not None:
        resumed = uuid.UUID(resume["run"])
        follow = {resumed: resume["entry"]}
        after = await events.announcement_of(thread_id, resumed)
    stream = thread_stream(events, thread_id, follow, after=after, modes=modes)
    # Open until the client leaves, so idle stretches get sse-starlette's keep-alive comments.
    return EventSourceResponse(stream, ping=events.ping_s)


@router.get("/threads/{thread_id}/runs/{run_id}/join")
async def join(
    thread_id: uuid.UUID,
    run_id: uuid.UUID,
    request: Request,
    principal: CurrentPrincipal,
    events: RunEventsDep,
) -> JSONResponse:
    async with unit_of_work(get_sessionmaker(request)) as session:
        run = await run_service.get(session, principal, thread_id, run_id)
    async for _ in events.read(run_id, idle_limit=_idle_limit(run)):
        pass
    found = await events.output(run_id)
    if found is not None:
        return JSONResponse(found["output"])
    async with unit_of_work(get_sessionmaker(request)) as session:
        thread = await thread_service.get(session, principal, thread_id)
        return JSONResponse(thread.values)


@router.get("/threads/{thread_id}/runs/{run_id}/stream")
async def join_stream(
    thread_id: uuid.UUID,
    run_id: uuid.UUID,
    request: Request,
    principal: CurrentPrincipal,
    events: RunEventsDep,
    stream_mode: Annotated[list[str] | None, Query()] = None,
    cancel_on_disconnect: bool = False,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID")] = None,
) -> StreamingResponse:
    if last_event_id is not None and not STREAM_ID.fullmatch(last_event_id):
        raise ValidationFailed("Last-Event-ID is not an id this server sent")
    async with unit_of_work(get_sessionmaker(request)) as session:
        run = await run_service.get(session, principal, thread_id, run_id)
    stream = run_stream(
        events,
        run.id,
        after=last_event_id or "0-0",
        modes={mode for mode in stream_mode or [] if mode} or None,  # the SDK sends "" for none
        cancel_on_disconnect=cancel_on_disconnect,
        idle_limit=_idle_limit(run),
    )
    return StreamingResponse(
        stream, media_type="text/event-stream", headers=_locations(run, stateless=False)
    )
