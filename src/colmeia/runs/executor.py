"""Worker-side execution of one run: claim, drive the graph, publish events, finish, hand on.

The claim is a conditional update (pending → running, attempt + 1); a duplicate or stale
delivery loses it and returns without effects. While the graph runs, a watcher renews the
lease and polls for a cancel request; every final write names the claimed attempt.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.errors import GraphRecursionError
from langgraph.types import Command

from colmeia.agents.registry import Graph, GraphRegistry
from colmeia.budgets.errors import BudgetExhausted
from colmeia.db import Sessionmaker, unit_of_work
from colmeia.kit.jsonable import jsonable
from colmeia.kit.time import utc_now
from colmeia.llm.callbacks import RunAccounting
from colmeia.models import Run, RunStatus
from colmeia.runs.attribution import call_context
from colmeia.runs.events import RunEvents
from colmeia.runs.ledger_retry import ledger_retry
from colmeia.runs.repository import RunRepository
from colmeia.runs.run_thread import rollback_thread, settle_thread
from colmeia.runs.streaming import EventTranslator, langgraph_modes
from colmeia.runs.tracing import mark_failed, traced_run
from colmeia.telemetry.redaction import redact
from colmeia.threads.repository import ThreadRepository
from colmeia.worker.enqueue import JobQueue

logger = logging.getLogger("colmeia.runs")

EXECUTE_TASK = "runs.execute"
CANCEL_POLL_S = 0.2

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
    accounting: RunAccounting | None = None
    """Meters, budgets and traces the model calls of every run (None: calls go unmetered)."""


@dataclass
class Outcome:
    status: RunStatus
    error: str | None = None
    output: Any = None
    cancel_action: str | None = None
    paused: bool = False
    """The graph stopped with work left (interrupt, breakpoint, cancel): thread "interrupted"."""


async def execute_run(context: ExecutionContext, run_id: uuid.UUID) -> None:
    """Execute ``run_id`` if this delivery wins the claim; otherwise do nothing."""
    run = await ledger_retry(_claim)(context, run_id)
    if run is None:
        return
    with traced_run(run):
        try:
            outcome = await _drive(context, run)
            if outcome.cancel_action == "rollback":
                outcome.output = await rollback_thread(context.graphs, run)
            elif outcome.cancel_action is not None:
                outcome.output, outcome.paused = await _current_values(context, run)
        except Exception as error:  # infrastructure failed mid-run: record it, don't vanish
            outcome = await _failed(context, run, error, "the run could not complete")
        following = await ledger_retry(_record)(context, run, outcome)
    if following is not None:  # the thread's next waiting run (enqueue / interrupt strategies)
        await context.queue.send(EXECUTE_TASK, {"run_id": str(following)})


async def _claim(context: ExecutionContext, run_id: uuid.UUID) -> Run | None:
    now = utc_now()
    async with unit_of_work(context.sessionmaker) as session:
        repository = RunRepository(session)
        won = await repository.claim(
            run_id, context.owner, now, now + timedelta(seconds=context.lease_s)
        )
        return await repository.get_any(run_id) if won else None


def _run_config(run: Run, accounting: RunAccounting | None = None) -> RunnableConfig:
    kwargs = run.kwargs
    config: dict[str, Any] = dict(kwargs.get("config") or {})
    configurable = dict(config.get("configurable") or {})
    configurable.update(
        thread_id=str(run.thread_id),
        run_id=str(run.id),
        assistant_id=str(run.assistant_id),
        graph_id=kwargs["graph_id"],
    )
    config["configurable"] = configurable
    config["metadata"] = {
        **(config.get("metadata") or {}),
        **run.metadata_,
        "run_id": str(run.id),
        "thread_id": str(run.thread_id),
        "assistant_id": str(run.assistant_id),
        "graph_id": kwargs["graph_id"],
        "run_attempt": run.attempt,
    }
    if accounting is not None:
        config["callbacks"] = accounting.callbacks(call_context(run))
    return config  # type: ignore[return-value]


def _graph_input(run: Run) -> Any:
    command = run.kwargs.get("command")
    if command:
        return Command(
            resume=command.get("resume"),
            update=command.get("update"),
            goto=command.get("goto") or (),
        )
    return run.kwargs.get("input")


async def _drive(context: ExecutionContext, run: Run) -> Outcome:
    """Run the graph under the watcher; map how it ended to a status."""
    config = _run_config(run, context.accounting)
    try:
        graph = await context.graphs.get(run.kwargs["graph_id"], config)
    except Exception as error:  # a graph factory or checkpointer failing fails this run
        return await _failed(context, run, error)
    await context.events.publish(
        run.id, "metadata", {"run_id": str(run.id), "attempt": run.attempt}
    )
    translator = EventTranslator(run.kwargs.get("stream_mode") or ["values"])
    task = asyncio.create_task(_stream(context, graph, run, config, translator))
    action = await _watch(context, run, task)
    if action is not None:
        return Outcome(RunStatus.interrupted, cancel_action=action)
    try:
        task.result()
    except GraphRecursionError as error:
        return await _failed(context, run, error, "recursion limit reached")
    except BudgetExhausted as error:
        return await _exhausted(context, run, error)
    except Exception as error:  # the graph's own failure ends this run, not the worker
        return await _failed(context, run, error)
    return await _completed(graph, config, translator)


def _thread_only(config: RunnableConfig) -> RunnableConfig:
    return {"configurable": {"thread_id": config["configurable"]["thread_id"]}}


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
            _graph_input(run), config, version="v2", context=kwargs.get("context") or None
        ):
            await context.events.publish(run.id, "events", jsonable(streamed))
        return
    async for item in graph.astream(
        _graph_input(run),
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
    """Wait for the graph; renew the lease and honour cancel requests meanwhile.

    Returns the cancel action when the run was stopped, else None.
    """
    renew_every = max(context.lease_s / 3, CANCEL_POLL_S)
    last_renewal = asyncio.get_running_loop().time()
    while not task.done():
        await asyncio.wait({task}, timeout=CANCEL_POLL_S)
        if task.done():
            break
        action = await context.events.cancel_requested(run.id)
        if action is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            return action
        now = asyncio.get_running_loop().time()
        if now - last_renewal >= renew_every:
            last_renewal = now
            await ledger_retry(_renew)(context, run)
    return None


async def _renew(context: ExecutionContext, run: Run) -> None:
    until = utc_now() + timedelta(seconds=context.lease_s)
    async with unit_of_work(context.sessionmaker) as session:
        await RunRepository(session).renew(run.id, run.attempt, until)


async def _failed(
    context: ExecutionContext, run: Run, error: BaseException, reason: str | None = None
) -> Outcome:
    message = redact(f"{reason}: {error}" if reason else str(error))
    # Logged as an error with its traceback, so Sentry receives it with the run's tags.
    logger.error("run %s failed: %s: %s", run.id, type(error).__name__, message, exc_info=error)
    mark_failed(message)
    await context.events.publish(
        run.id, "error", {"error": type(error).__name__, "message": message}
    )
    return Outcome(
        RunStatus.error,
        error=f"{type(error).__name__}: {message}",
        output={"__error__": {"error": type(error).__name__, "message": message}},
    )


async def _exhausted(context: ExecutionContext, run: Run, error: BudgetExhausted) -> Outcome:
    """A budget refused a model call: the run stops with ``budget_exhausted`` (what a plain
    gateway call answers with a 402) and the thread's values so far, its partial answer."""
    message = redact(str(error))
    logger.warning("run %s stopped: %s: %s", run.id, error.code, message)
    mark_failed(message)
    failure = {"error": error.code, "message": message, "details": error.details}
    await context.events.publish(run.id, "error", failure)
    values, _ = await _current_values(context, run)
    output = (
        {**values, "__error__": failure} if isinstance(values, dict) else {"__error__": failure}
    )
    return Outcome(RunStatus.error, error=f"{error.code}: {message}", output=output)


async def _completed(graph: Graph, config: RunnableConfig, translator: EventTranslator) -> Outcome:
    """A run that returned: ``success`` (as LangGraph Server reports it) even when the graph
    paused at an interrupt or a breakpoint; the output then carries ``__interrupt__``."""
    snapshot = await graph.aget_state(_thread_only(config))
    output = jsonable(snapshot.values if snapshot.values is not None else translator.final_values)
    if snapshot.interrupts and isinstance(output, dict):
        output = {**output, "__interrupt__": jsonable(list(snapshot.interrupts))}
    return Outcome(RunStatus.success, output=output, paused=bool(snapshot.next))


async def _record(context: ExecutionContext, run: Run, outcome: Outcome) -> uuid.UUID | None:
    """Write the terminal status (fenced by the attempt), then end the event stream.

    Returns the thread's next waiting run, if any.
    """
    async with unit_of_work(context.sessionmaker) as session:
        repository = RunRepository(session)
        if not await repository.finish(
            run.id, run.attempt, outcome.status, outcome.error, utc_now()
        ):
            return None  # lost the claim (reaped and re-run elsewhere): no effects from here
        following = await settle_thread(
            session, run, outcome.status, outcome.output, outcome.paused
        )
        if outcome.cancel_action == "rollback":
            await repository.delete(run.id)
    await context.events.finish(run.id, outcome.output, outcome.status.value)
    if run.kwargs.get("temporary"):
        await _drop_temporary_thread(context, run)
    return following


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
