"""Worker-side execution of one run: claim, drive the graph, publish events, finish, hand on.

The claim is a conditional update (pending → running, attempt + 1); a duplicate or stale
delivery loses it and returns without effects. While the graph runs, the process's
`RunSupervisor` renews the lease and watches for a cancel request, and the attempt's time limit
is enforced here; every final write names the claimed attempt. A transient failure sends the
run back to ``pending`` with a backoff (the next attempt resumes from the last checkpoint); a
run out of attempts becomes ``dead``.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.errors import GraphRecursionError

from colmeia.agents.registry import Graph, GraphRegistry
from colmeia.budgets.errors import BudgetExhausted
from colmeia.cache.llm_cache import run_context
from colmeia.db import Sessionmaker, unit_of_work
from colmeia.kit.jsonable import jsonable
from colmeia.kit.time import utc_now
from colmeia.llm.callbacks import RunAccounting
from colmeia.models import Run, RunStatus
from colmeia.runs.effects import EFFECTS_KEY, EffectLedger
from colmeia.runs.events import RunEvents
from colmeia.runs.failures import backoff
from colmeia.runs.invocation import graph_input, run_config, thread_only
from colmeia.runs.ledger_retry import ledger_retry
from colmeia.runs.outcomes import Outcome, error_event, failed, spend_attempt
from colmeia.runs.policy import RunPolicy
from colmeia.runs.repository import RunRepository
from colmeia.runs.run_thread import rollback_thread, settle_thread
from colmeia.runs.streaming import EventTranslator, langgraph_modes
from colmeia.runs.supervisor import LEASE_LOST, RunSupervisor
from colmeia.runs.task_names import EXECUTE_TASK
from colmeia.runs.tracing import mark_failed, traced_run
from colmeia.telemetry.metrics import DEAD_LETTERS, RUN_DURATION, RUNS
from colmeia.telemetry.redaction import redact
from colmeia.threads.repository import ThreadRepository
from colmeia.worker.enqueue import AfterCommit, JobQueue

logger = logging.getLogger("colmeia.runs")

TIMED_OUT = "timeout"
"""`_watch`'s answer when the attempt ran out of time (a cancel action is another, and
`LEASE_LOST` a third: another attempt owns the run now)."""

# Any (below): graph input, state and stream chunks are user-defined.


@dataclass(frozen=True)
class ExecutionContext:
    """What a worker process hands to every run it executes (built by its composition root)."""

    sessionmaker: Sessionmaker
    graphs: GraphRegistry
    events: RunEvents
    queue: JobQueue
    owner: str
    lease_s: float
    supervisor: RunSupervisor
    """Cancel requests and lease renewals of every run this process executes."""
    policy: RunPolicy = field(default_factory=RunPolicy)
    accounting: RunAccounting | None = None
    """Meters, budgets and traces the model calls of every run (None: calls go unmetered)."""


async def execute_run(context: ExecutionContext, run_id: uuid.UUID) -> None:
    """Execute ``run_id`` if this delivery wins the claim; otherwise do nothing."""
    run = await ledger_retry(_claim)(context, run_id)
    if run is None:
        return
    with traced_run(run):
        try:
            outcome = await _drive(context, run)
            if outcome.cancel_action == LEASE_LOST:
                # The reaper gave the run to another attempt (this worker stalled past its
                # lease): stop here, so two attempts never drive one thread; the owner records
                # the end.
                logger.warning("run %s attempt %s lost its lease; stopped", run.id, run.attempt)
                return
            if outcome.cancel_action == "rollback":
                outcome.output = await rollback_thread(context.graphs, run)
            elif outcome.cancel_action is not None:
                outcome.output, outcome.paused = await _current_values(context, run)
        except asyncio.CancelledError:  # the worker is shutting down past its drain time
            await asyncio.shield(ledger_retry(_hand_back)(context, run))
            raise
        except Exception as error:  # infrastructure failed mid-run: record it, don't vanish
            outcome = failed(run, error, "the run could not complete")
        after = await ledger_retry(_record)(context, run, spend_attempt(run, outcome))
    await after.flush(context.queue)


async def _hand_back(context: ExecutionContext, run: Run) -> None:
    """Give an unfinished run back to the ledger (pending, due now) and send it again, so
    another worker resumes it from its last checkpoint without waiting for the lease."""
    now = utc_now()
    async with unit_of_work(context.sessionmaker) as session:
        released = await RunRepository(session).retry_later(
            run.id, run.attempt, "the worker shut down during the run", now, now
        )
    if released:
        after = AfterCommit()
        after.resend(EXECUTE_TASK, run_id=str(run.id))
        await after.flush(context.queue)


async def _claim(context: ExecutionContext, run_id: uuid.UUID) -> Run | None:
    now = utc_now()
    lease_until = now + timedelta(seconds=context.lease_s)
    deadline = now + timedelta(seconds=context.policy.timeout_s)
    async with unit_of_work(context.sessionmaker) as session:
        run = await RunRepository(session).claim(run_id, context.owner, now, lease_until, deadline)
        if run is not None and run.timeout_s:  # the run has its own limit: one more write
            run.deadline_at = now + timedelta(seconds=run.timeout_s)
        return run


async def _drive(context: ExecutionContext, run: Run) -> Outcome:
    """Run the graph under the watcher; map how it ended to a status."""
    config = run_config(run, context.accounting)
    config["configurable"][EFFECTS_KEY] = EffectLedger(context.sessionmaker, run.id, run.attempt)
    try:
        graph = await context.graphs.get(run.kwargs["graph_id"], config, tenant=str(run.tenant_id))
    except Exception as error:  # a graph factory or checkpointer failing fails this run
        return failed(run, error)
    await context.events.start(run.id, run.thread_id, run.attempt)
    translator = EventTranslator(run.kwargs.get("stream_mode") or ["values"])
    task = asyncio.create_task(
        _stream(context, graph, run, config, translator),
        context=run_context(str(run.tenant_id), config),  # the LLM cache's tenant scope
    )
    action = await _watch(context, run, task)
    if action == TIMED_OUT:
        limit = run.timeout_s or context.policy.timeout_s
        return Outcome(
            RunStatus.timeout,
            error=f"RunTimeout: the run exceeded its time limit of {limit:g} s",
            cancel_action=action,
        )
    if action == LEASE_LOST:
        return Outcome(RunStatus.running, cancel_action=action)
    if action is not None:
        return Outcome(RunStatus.interrupted, cancel_action=action)
    try:
        task.result()
    except GraphRecursionError as error:
        return failed(run, error, "recursion limit reached")
    except BudgetExhausted as error:
        return await _exhausted(context, run, error)
    except Exception as error:  # the graph's own failure ends this run, not the worker
        return failed(run, error)
    return await _completed(graph, config, translator)


async def _stream(
    context: ExecutionContext,
    graph: Graph,
    run: Run,
    config: RunnableConfig,
    translator: EventTranslator,
) -> None:
    kwargs = run.kwargs
    requested: list[str] = kwargs.get("stream_mode") or ["values"]
    if "events" in requested:
        async for streamed in graph.astream_events(
            graph_input(run), config, version="v2", context=kwargs.get("context") or None
        ):
            await context.events.publish(run.id, "events", jsonable(streamed))
        return
    async for item in graph.astream(
        graph_input(run),
        config,
        context=kwargs.get("context") or None,
        stream_mode=langgraph_modes(requested),  # type: ignore[arg-type]
        subgraphs=True,
        interrupt_before=kwargs.get("interrupt_before"),
        interrupt_after=kwargs.get("interrupt_after"),
        durability=kwargs.get("durability") or "sync",
    ):
        namespace, mode, chunk = item  # with subgraphs=True and a list of modes: a triple
        if namespace and not kwargs.get("subgraphs"):
            continue
        for event, data in translator.translate(tuple(namespace), str(mode), chunk):
            await context.events.publish(run.id, event, data)


async def _watch(context: ExecutionContext, run: Run, task: asyncio.Task[None]) -> str | None:
    """Wait for the graph, a cancel request, a lost lease (`RunSupervisor`) or the time limit.

    Returns the cancel action (or `TIMED_OUT`, or `LEASE_LOST`) when the run was stopped,
    else None. Cancelled itself (worker shutdown), it cancels the graph first.
    """
    remaining = _remaining_s(run)
    with context.supervisor.watching(run) as stopped:
        waited: set[asyncio.Future[Any]] = {task, stopped}
        try:
            await asyncio.wait(
                waited,
                timeout=None if remaining == float("inf") else max(remaining, 0.0),
                return_when=asyncio.FIRST_COMPLETED,
            )
        except asyncio.CancelledError:
            await _stop(task)
            raise
        if task.done():
            return None
        await _stop(task)
        return stopped.result() if stopped.done() else TIMED_OUT


def _remaining_s(run: Run) -> float:
    if run.deadline_at is None:
        return float("inf")
    return (run.deadline_at - utc_now()).total_seconds()


async def _stop(task: asyncio.Task[None]) -> None:
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


async def _exhausted(context: ExecutionContext, run: Run, error: BudgetExhausted) -> Outcome:
    """A budget refused a model call: the run stops with ``budget_exhausted`` and the thread's
    values so far (its partial answer), as the error of a plain gateway call (402) would.
    Permanent: another attempt would be refused the same way."""
    message = redact(str(error))
    logger.warning("run %s stopped: %s: %s", run.id, error.code, message)
    mark_failed(message)
    failure = {"error": error.code, "message": message, "details": error.details}
    values, _ = await _current_values(context, run)
    output = (
        {**values, "__error__": failure} if isinstance(values, dict) else {"__error__": failure}
    )
    return Outcome(RunStatus.error, error=f"{error.code}: {message}", output=output)


async def _completed(graph: Graph, config: RunnableConfig, translator: EventTranslator) -> Outcome:
    """A run that returned: ``success`` (as LangGraph Server reports it) even when the graph
    paused at an interrupt or a breakpoint; the output then carries ``__interrupt__``."""
    snapshot = await graph.aget_state(thread_only(config))
    output = jsonable(snapshot.values if snapshot.values is not None else translator.final_values)
    if snapshot.interrupts and isinstance(output, dict):
        output = {**output, "__interrupt__": jsonable(list(snapshot.interrupts))}
    return Outcome(RunStatus.success, output=output, paused=bool(snapshot.next))


async def _record(context: ExecutionContext, run: Run, outcome: Outcome) -> AfterCommit:
    """Write the outcome (fenced by the attempt), then end the event stream.

    Returns what to send once written: the retry, or the thread's next waiting run.
    """
    after = AfterCommit()
    if outcome.status == RunStatus.pending:
        await _retry_later(context, run, outcome, after)
        return after
    async with unit_of_work(context.sessionmaker) as session:
        if not await _write_end(RunRepository(session), run, outcome):
            return after  # lost the claim (reaped and re-run elsewhere): no effects from here
        following = await settle_thread(
            session, run, outcome.status, outcome.output, outcome.paused
        )
        if outcome.cancel_action == "rollback":
            await RunRepository(session).delete(run.id)
    _count_end(run, outcome.status)
    if following is not None:  # the thread's next waiting run (enqueue / interrupt strategies)
        after.enqueue(EXECUTE_TASK, run_id=str(following))
    error = error_event(outcome)
    if error is not None:
        await context.events.publish(run.id, "error", error)
    await context.events.finish(run.id, outcome.output, outcome.status.value)
    if run.kwargs.get("temporary"):
        await _drop_temporary_thread(context, run)
    return after


def _count_end(run: Run, status: RunStatus) -> None:
    RUNS.labels(status=status.value).inc()
    if run.started_at is not None:
        elapsed = (utc_now() - run.started_at).total_seconds()
        RUN_DURATION.labels(status=status.value).observe(max(elapsed, 0.0))


async def _write_end(repository: RunRepository, run: Run, outcome: Outcome) -> bool:
    if outcome.status == RunStatus.dead:
        won = await repository.bury(run.id, run.attempt, outcome.error or "", utc_now())
        if won:
            DEAD_LETTERS.labels(reason="attempts_exhausted").inc()
        return won
    return await repository.finish(run.id, run.attempt, outcome.status, outcome.error, utc_now())


async def _retry_later(
    context: ExecutionContext, run: Run, outcome: Outcome, after: AfterCommit
) -> None:
    assert outcome.retry is not None
    policy = context.policy
    delay = backoff(run.attempt, outcome.retry, policy.retry_initial_s, policy.retry_max_s)
    now = utc_now()
    async with unit_of_work(context.sessionmaker) as session:
        won = await RunRepository(session).retry_later(
            run.id, run.attempt, outcome.error or "", now + delay, now
        )
    if won:
        logger.info(
            "run %s retries in %.1f s (attempt %s done)", run.id, delay.total_seconds(), run.attempt
        )
        after.enqueue(EXECUTE_TASK, countdown=delay.total_seconds(), run_id=str(run.id))


async def _current_values(context: ExecutionContext, run: Run) -> tuple[Any, bool]:
    """The thread's values after a cancelled run, and whether work was left undone."""
    config: RunnableConfig = {"configurable": {"thread_id": str(run.thread_id)}}
    graph = await context.graphs.get(run.kwargs["graph_id"], config)
    snapshot = await graph.aget_state(config)
    return jsonable(snapshot.values), bool(snapshot.next)


async def _drop_temporary_thread(context: ExecutionContext, run: Run) -> None:
    async with unit_of_work(context.sessionmaker) as session:
        await ThreadRepository(session).delete(run.thread_id)
    await context.graphs.checkpointer.adelete_thread(str(run.thread_id))
