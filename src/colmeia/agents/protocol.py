"""The Agent Protocol's resources for the API process, opened and closed by its lifespan."""

from __future__ import annotations

from contextlib import AsyncExitStack
from dataclasses import dataclass

from fastapi import APIRouter
from redis.asyncio import Redis

from colmeia.agents.endpoints import router as info_router
from colmeia.agents.registry import GraphRegistry
from colmeia.agents.serving import serve_graphs
from colmeia.assistants.endpoints import router as assistants_router
from colmeia.assistants.service import assistant as assistant_service
from colmeia.config import Settings
from colmeia.crons.endpoints import router as crons_router
from colmeia.crons.scheduler import CronScheduler
from colmeia.db import Sessionmaker
from colmeia.runs.endpoints import router as runs_router
from colmeia.runs.events import RunEvents
from colmeia.runs.policy import RunPolicy
from colmeia.runs.reaper import Reaper
from colmeia.store.endpoints import router as store_router
from colmeia.store.legacy import adopt_legacy_items
from colmeia.threads.endpoints import router as threads_router
from colmeia.worker.app import create_celery
from colmeia.worker.enqueue import JobQueue

ROUTERS: tuple[APIRouter, ...] = (
    info_router,
    assistants_router,
    threads_router,
    runs_router,
    crons_router,
    store_router,
)


@dataclass
class AgentProtocol:
    graphs: GraphRegistry
    run_events: RunEvents
    job_queue: JobQueue
    run_policy: RunPolicy
    stack: AsyncExitStack

    async def aclose(self) -> None:
        await self.stack.aclose()


async def open_agent_protocol(
    settings: Settings, sessionmaker: Sessionmaker, redis: Redis, redis_url: str
) -> AgentProtocol:
    """Load the graphs (a bad ``langgraph.json`` fails start-up here, naming file and graph),
    open the checkpointer and store (moving an earlier version's store items into it), create
    each graph's default assistant, the run transport, the cron scheduler and the
    reaper (every replica sweeps; its updates are conditional, so they never collide)."""
    stack = AsyncExitStack()
    graphs = await stack.enter_async_context(
        serve_graphs(
            settings.agents.config,
            database_url=settings.database_url,
            data_dir=settings.data_dir,
            llm_env={},  # the API never calls a graph's model; workers export the LLM settings
            pool_size=settings.database.pool_size,
        )
    )
    try:
        await assistant_service.ensure_defaults(sessionmaker, list(graphs))
        if graphs.store is not None:
            await adopt_legacy_items(sessionmaker, graphs.store)
    except BaseException:
        await stack.aclose()
        raise
    run_events = RunEvents(redis, settings.agents.stream_ttl_s, settings.agents.stream_ping_s)
    job_queue = JobQueue(create_celery(settings, redis_url))
    policy = RunPolicy.of(settings.runs)
    await stack.enter_async_context(Reaper(sessionmaker, run_events, job_queue, policy).running())
    crons = CronScheduler(sessionmaker, lambda: set(graphs), run_events, job_queue, policy)
    await stack.enter_async_context(crons.running(settings.runs.cron_interval_s))
    return AgentProtocol(
        graphs=graphs,
        run_events=run_events,
        job_queue=job_queue,
        run_policy=policy,
        stack=stack,
    )
