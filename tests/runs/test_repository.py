"""The run ledger's conditional updates on SQLite and PostgreSQL: claims are fencing tokens."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from colmeia.config import Settings
from colmeia.db import Sessionmaker, create_engine, make_sessionmaker, unit_of_work
from colmeia.kit.time import utc_now
from colmeia.models import Run, RunStatus, Tenant, Thread
from colmeia.runs.repository import RunRepository


@pytest.fixture
async def sessionmaker(settings: Settings) -> AsyncIterator[Sessionmaker]:
    engine = create_engine(settings.database_url)
    yield make_sessionmaker(engine)
    await engine.dispose()


async def _thread(sessionmaker: Sessionmaker) -> tuple[uuid.UUID, uuid.UUID]:
    async with unit_of_work(sessionmaker) as session:
        tenant = Tenant(name=f"t-{uuid.uuid4().hex[:8]}")
        session.add(tenant)
        await session.flush()
        thread = Thread(tenant_id=tenant.id, metadata_={}, interrupts={})
        session.add(thread)
        await session.flush()
        return tenant.id, thread.id


async def _run(sessionmaker: Sessionmaker, tenant_id: uuid.UUID, thread_id: uuid.UUID) -> uuid.UUID:
    async with unit_of_work(sessionmaker) as session:
        run = Run(tenant_id=tenant_id, thread_id=thread_id, assistant_id=uuid.uuid4(), kwargs={})
        return (await RunRepository(session).add(run)).id


async def _claim(sessionmaker: Sessionmaker, run_id: uuid.UUID, owner: str) -> bool:
    now = utc_now()
    async with unit_of_work(sessionmaker) as session:
        claimed = await RunRepository(session).claim(
            run_id, owner, now, now + timedelta(seconds=30)
        )
        return claimed is not None


class TestClaim:
    async def test_only_one_delivery_wins(self, sessionmaker: Sessionmaker) -> None:
        tenant_id, thread_id = await _thread(sessionmaker)
        run_id = await _run(sessionmaker, tenant_id, thread_id)
        now = utc_now()
        async with unit_of_work(sessionmaker) as session:
            claimed = await RunRepository(session).claim(run_id, "w1", now, now)
        assert claimed is not None  # the row as the claim left it, without a second query
        assert (claimed.status, claimed.attempt) == (RunStatus.running, 1)
        assert claimed.lease_owner == "w1"
        assert not await _claim(sessionmaker, run_id, "w2")
        async with unit_of_work(sessionmaker) as session:
            run = await RunRepository(session).get_any(run_id)
        assert run is not None
        assert (run.status, run.attempt, run.lease_owner) == (RunStatus.running, 1, "w1")

    async def test_runs_of_a_thread_are_claimed_in_order(self, sessionmaker: Sessionmaker) -> None:
        tenant_id, thread_id = await _thread(sessionmaker)
        first = await _run(sessionmaker, tenant_id, thread_id)
        second = await _run(sessionmaker, tenant_id, thread_id)
        assert not await _claim(sessionmaker, second, "w")  # an older run is waiting
        assert await _claim(sessionmaker, first, "w")
        assert not await _claim(sessionmaker, second, "w")  # the thread is busy
        async with unit_of_work(sessionmaker) as session:
            await RunRepository(session).finish(first, 1, RunStatus.success, None, utc_now())
        assert await _claim(sessionmaker, second, "w")

    async def test_finishing_is_fenced_by_the_attempt(self, sessionmaker: Sessionmaker) -> None:
        tenant_id, thread_id = await _thread(sessionmaker)
        run_id = await _run(sessionmaker, tenant_id, thread_id)
        assert await _claim(sessionmaker, run_id, "w1")
        async with unit_of_work(sessionmaker) as session:
            repository = RunRepository(session)
            assert not await repository.finish(run_id, 7, RunStatus.success, None, utc_now())
            assert not await repository.renew(run_id, 7, utc_now())
            assert await repository.renew(run_id, 1, utc_now() + timedelta(seconds=60))
            assert await repository.finish(run_id, 1, RunStatus.error, "boom", utc_now())
            assert not await repository.finish(run_id, 1, RunStatus.success, None, utc_now())

    async def test_a_pending_run_can_be_stopped_once(self, sessionmaker: Sessionmaker) -> None:
        tenant_id, thread_id = await _thread(sessionmaker)
        run_id = await _run(sessionmaker, tenant_id, thread_id)
        async with unit_of_work(sessionmaker) as session:
            repository = RunRepository(session)
            assert await repository.stop_pending(run_id, RunStatus.interrupted, utc_now())
            assert not await repository.stop_pending(run_id, RunStatus.interrupted, utc_now())
        assert not await _claim(sessionmaker, run_id, "w")
