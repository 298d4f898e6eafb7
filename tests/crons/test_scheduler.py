"""The cron scheduler on SQLite and PostgreSQL with a real Redis broker: an occurrence is one
run however many replicas tick at once, and an occurrence that cannot run is skipped, not
retried every tick."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import redis as redis_sync
from prometheus_client import REGISTRY
from redis.asyncio import Redis
from sqlalchemy import select

from colmeia.config import Settings
from colmeia.crons.scheduler import CronScheduler
from colmeia.db import Sessionmaker, create_engine, make_sessionmaker, unit_of_work
from colmeia.kit.time import utc_now
from colmeia.models import Assistant, Cron, Role, Run, RunStatus, Tenant, Thread, User
from colmeia.runs.events import RunEvents
from colmeia.runs.policy import RunPolicy
from colmeia.worker.app import create_celery
from colmeia.worker.enqueue import JobQueue

YEARLY = "0 0 1 1 *"


@dataclass
class Stack:
    sessionmaker: Sessionmaker
    events: RunEvents
    queue: JobQueue
    queue_name: str
    broker: redis_sync.Redis

    def scheduler(self) -> CronScheduler:
        return CronScheduler(self.sessionmaker, set, self.events, self.queue, RunPolicy())


@pytest.fixture
async def stack(settings: Settings, redis_client: redis_sync.Redis) -> AsyncIterator[Stack]:
    assert settings.redis.url is not None
    settings.agents.queue = f"colmeia.crons.test.{uuid.uuid4().hex}"
    engine = create_engine(settings.database_url)
    redis = Redis.from_url(settings.redis.url)
    try:
        yield Stack(
            make_sessionmaker(engine),
            RunEvents(redis, 60),
            JobQueue(create_celery(settings, settings.redis.url)),
            settings.agents.queue,
            redis_client,
        )
    finally:
        redis_client.delete(settings.agents.queue)
        await redis.aclose()
        await engine.dispose()


@dataclass
class Owned:
    cron_id: uuid.UUID
    thread_id: uuid.UUID
    user_id: uuid.UUID
    due_at: datetime


async def _due_cron(sessionmaker: Sessionmaker, **fields: object) -> Owned:
    """A tenant, user, assistant and thread, and a cron on the thread due a second ago."""
    async with unit_of_work(sessionmaker) as session:
        tenant = Tenant(name=f"t-{uuid.uuid4().hex[:8]}")
        session.add(tenant)
        await session.flush()
        user = User(tenant_id=tenant.id, email=f"{uuid.uuid4().hex[:8]}@x.test", role=Role.user)
        assistant = Assistant(tenant_id=tenant.id, graph_id="echo", name="echo")
        thread = Thread(tenant_id=tenant.id, metadata_={}, interrupts={})
        session.add_all([user, assistant, thread])
        await session.flush()
        due_at = utc_now() - timedelta(seconds=1)
        cron = Cron(
            tenant_id=tenant.id, user_id=user.id, assistant_id=assistant.id, thread_id=thread.id,
            schedule=YEARLY, payload={"assistant_id": str(assistant.id), "input": {}},
            metadata_={}, next_run_date=due_at, **fields,
        )  # fmt: skip
        session.add(cron)
        await session.flush()
        return Owned(cron.id, thread.id, user.id, due_at)


async def _runs_on(sessionmaker: Sessionmaker, thread_id: uuid.UUID) -> list[Run]:
    async with unit_of_work(sessionmaker) as session:
        found = await session.scalars(select(Run).where(Run.thread_id == thread_id))
        return list(found)


async def _next_run_date(sessionmaker: Sessionmaker, cron_id: uuid.UUID) -> datetime:
    async with unit_of_work(sessionmaker) as session:
        cron = await session.get(Cron, cron_id)
        assert cron is not None
        return cron.next_run_date


def _occurrences(outcome: str) -> float:
    return REGISTRY.get_sample_value("colmeia_cron_occurrences_total", {"outcome": outcome}) or 0


async def test_replicas_ticking_at_once_create_one_run(stack: Stack) -> None:
    owned = await _due_cron(stack.sessionmaker)
    before = _occurrences("created")
    created = await asyncio.gather(*(stack.scheduler().tick() for _ in range(3)))
    assert _occurrences("created") == before + 1
    mine = [run_id for ticked in created for run_id in ticked]
    (run,) = await _runs_on(stack.sessionmaker, owned.thread_id)
    assert run.id in mine
    assert run.metadata_["cron_id"] == str(owned.cron_id)
    assert stack.broker.llen(stack.queue_name) == 1  # sent once
    assert await _next_run_date(stack.sessionmaker, owned.cron_id) > utc_now()
    assert await stack.scheduler().tick() == []  # nothing due any more


async def test_an_occurrence_that_cannot_run_is_skipped_once(
    stack: Stack, caplog: pytest.LogCaptureFixture
) -> None:
    owned = await _due_cron(stack.sessionmaker)
    async with unit_of_work(stack.sessionmaker) as session:  # the thread is busy: "reject"
        cron = await session.get(Cron, owned.cron_id)
        assert cron is not None
        busy = Run(tenant_id=cron.tenant_id, thread_id=owned.thread_id,
                   assistant_id=cron.assistant_id, kwargs={}, status=RunStatus.running)  # fmt: skip
        session.add(busy)
    before = _occurrences("skipped")
    with caplog.at_level(logging.WARNING, logger="colmeia.crons"):
        assert await stack.scheduler().tick() == []
    assert f"cron {owned.cron_id} skipped a run" in caplog.text
    assert _occurrences("skipped") == before + 1
    assert len(await _runs_on(stack.sessionmaker, owned.thread_id)) == 1  # only the busy one
    assert await _next_run_date(stack.sessionmaker, owned.cron_id) > utc_now()


@pytest.mark.parametrize(
    "fields", [{"enabled": False}, {"end_time": utc_now() - timedelta(minutes=1)}]
)
async def test_disabled_and_ended_crons_do_not_fire(
    stack: Stack, fields: dict[str, object]
) -> None:
    owned = await _due_cron(stack.sessionmaker, **fields)
    await stack.scheduler().tick()
    assert await _runs_on(stack.sessionmaker, owned.thread_id) == []
    assert await _next_run_date(stack.sessionmaker, owned.cron_id) == owned.due_at


async def test_a_cron_of_a_deactivated_user_does_not_fire(stack: Stack) -> None:
    owned = await _due_cron(stack.sessionmaker)
    async with unit_of_work(stack.sessionmaker) as session:
        user = await session.get(User, owned.user_id)
        assert user is not None
        user.is_active = False
    assert await stack.scheduler().tick() == []
    assert await _runs_on(stack.sessionmaker, owned.thread_id) == []


async def test_a_failing_tick_is_counted_and_the_scheduler_keeps_going(
    stack: Stack, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    def failures() -> float:
        return REGISTRY.get_sample_value("colmeia_cron_tick_failures_total") or 0

    engine = create_engine(f"sqlite:///{tmp_path / 'missing' / 'colmeia.db'}")  # no such dir
    scheduler = CronScheduler(
        make_sessionmaker(engine), set, stack.events, stack.queue, RunPolicy()
    )
    before = failures()
    try:
        with caplog.at_level(logging.ERROR, logger="colmeia.crons"):
            async with scheduler.running(0.05):
                deadline = asyncio.get_running_loop().time() + 10
                while failures() < before + 2 and asyncio.get_running_loop().time() < deadline:
                    await asyncio.sleep(0.05)
    finally:
        await engine.dispose()
    assert failures() >= before + 2  # ticked again after the first failure
    assert "cron scheduler tick failed" in caplog.text
