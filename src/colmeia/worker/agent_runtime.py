"""The worker's runtime for agent runs: one event loop thread that owns every async resource.

Celery's thread pool gives each delivery a thread; the thread hands its coroutine to this loop
and waits, so the message is acknowledged (``acks_late``) only when the run is done, while one
process executes many I/O-bound runs at once on one loop (DESIGN §5, "asyncio hand-off").
Resources are built inside the worker process, never at import: at worker start (`start`, off
the boot path) or on the first run, whichever comes first. The loop also runs the reaper.

On shutdown (`drain`) the runs in flight get ``drain_timeout_s`` to finish; those still running
then are cancelled, which hands them back to the ledger (pending, re-sent) for another worker.
"""

from __future__ import annotations

import asyncio
import os
import socket
import threading
from collections.abc import Callable, Coroutine
from concurrent.futures import Future
from contextlib import AsyncExitStack
from typing import Any, TypeVar

from celery import Celery
from langchain_core.globals import set_llm_cache
from redis.asyncio import Redis

from colmeia.agents.environment import llm_environment
from colmeia.agents.serving import serve_graphs
from colmeia.cache.llm_cache import RunScopedCache
from colmeia.cache.runtime import CacheRuntime
from colmeia.config import Settings
from colmeia.db import create_engine, make_sessionmaker
from colmeia.kit.heap import startup_objects_frozen
from colmeia.redis import create_redis
from colmeia.runs.events import RunEvents
from colmeia.runs.executor import ExecutionContext
from colmeia.runs.policy import RunPolicy
from colmeia.runs.reaper import Reaper
from colmeia.runs.supervisor import RunSupervisor
from colmeia.worker.enqueue import JobQueue

START_TIMEOUT_S = 120.0

T = TypeVar("T")


class AgentRuntime:
    def __init__(self, settings: Settings, redis_url: str, celery: Celery) -> None:
        self._settings = settings
        self._redis_url = redis_url
        self._celery = celery
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._context: ExecutionContext | None = None
        self._stack = AsyncExitStack()
        self._active: set[asyncio.Task[Any]] = set()
        """Runs in flight; touched only on the loop's thread."""

    def start(self) -> None:
        """Open the loop, the resources and the reaper now rather than on the first run."""
        self._ensure()

    def run(self, build: Callable[[ExecutionContext], Coroutine[Any, Any, T]]) -> T:
        """Run ``build(context)`` on the runtime's loop and wait for its result."""
        loop, context = self._ensure()
        future: Future[T] = asyncio.run_coroutine_threadsafe(self._tracked(build, context), loop)
        return future.result()

    async def _tracked(
        self, build: Callable[[ExecutionContext], Coroutine[Any, Any, T]], context: ExecutionContext
    ) -> T:
        task = asyncio.current_task()
        assert task is not None
        self._active.add(task)
        try:
            return await build(context)
        finally:
            self._active.discard(task)

    def drain(self, timeout_s: float) -> None:
        """Let the runs in flight finish for ``timeout_s``, then cancel the rest (each hands its
        run back to the ledger), then close what the runtime opened: the reaper stops and the
        usage rows still buffered are written. Blocks until all of that is done."""
        with self._lock:
            loop = self._loop
        if loop is None:
            return
        asyncio.run_coroutine_threadsafe(self._drain(timeout_s), loop).result()

    async def _drain(self, timeout_s: float) -> None:
        active = set(self._active)
        if active:
            _, pending = await asyncio.wait(active, timeout=timeout_s)
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.wait(pending)
        await self._stack.aclose()

    def _ensure(self) -> tuple[asyncio.AbstractEventLoop, ExecutionContext]:
        with self._lock:
            if self._loop is None or self._context is None:
                loop = asyncio.new_event_loop()
                threading.Thread(target=loop.run_forever, name="agent-runs", daemon=True).start()
                opened = asyncio.run_coroutine_threadsafe(self._open(), loop)
                self._context = opened.result(START_TIMEOUT_S)
                self._loop = loop
            return self._loop, self._context

    def _install_llm_cache(self, redis: Redis) -> None:
        """The semantic cache for every chat model graphs build (LangChain's global cache),
        scoped per run by the executor; opened in the background like the API's."""
        if not self._settings.cache.enabled:
            return
        runtime = CacheRuntime(redis, self._settings.cache)
        runtime.start()
        self._stack.push_async_callback(runtime.aclose)
        set_llm_cache(RunScopedCache(runtime, asyncio.get_running_loop()))

    async def _open(self) -> ExecutionContext:
        settings = self._settings
        engine = create_engine(settings.database_url, pool_size=settings.database.pool_size)
        redis = create_redis(self._redis_url)
        api_key = settings.llm.openai_api_key
        graphs = await self._stack.enter_async_context(
            serve_graphs(
                settings.agents.config,
                database_url=settings.database_url,
                data_dir=settings.data_dir,
                llm_env=llm_environment(
                    settings.llm.base_url, api_key.get_secret_value() if api_key else None
                ),
            )
        )
        self._stack.push_async_callback(engine.dispose)
        self._stack.push_async_callback(redis.aclose)
        self._install_llm_cache(redis)
        sessionmaker = make_sessionmaker(engine)
        # Imported here, on the first run: the gateway's provider SDKs would slow start-up.
        from colmeia.metering import build_metering

        metering = build_metering(settings, sessionmaker, redis)
        self._stack.push_async_callback(metering.aclose)
        events = RunEvents(redis, settings.agents.stream_ttl_s)
        supervisor = RunSupervisor(events, sessionmaker, settings.agents.run_lease_s)
        await self._stack.enter_async_context(supervisor.running())
        context = ExecutionContext(
            sessionmaker=sessionmaker,
            graphs=graphs,
            events=events,
            queue=JobQueue(self._celery),
            owner=f"{socket.gethostname()}:{os.getpid()}",
            lease_s=settings.agents.run_lease_s,
            supervisor=supervisor,
            policy=RunPolicy.of(settings.runs),
            accounting=metering.run_accounting,
        )
        reaper = Reaper(context.sessionmaker, context.events, context.queue, context.policy)
        await self._stack.enter_async_context(reaper.running())
        self._stack.enter_context(startup_objects_frozen())  # everything above lives as long
        return context
