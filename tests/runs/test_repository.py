"""The run ledger's conditional updates on SQLite and PostgreSQL: claims are fencing tokens."""

from __future__ import annotations

import uuid
from datetime import timedelta

from colmeia.db import Sessionmaker, unit_of_work
from colmeia.kit.time import utc_now
from colmeia.models import RunStatus
from colmeia.runs.repository import RunRepository
from tests.runs.ledger_rows import claim, new_run, new_thread


class TestClaim:
    async def test_only_one_delivery_wins(self, sessionmaker: Sessionmaker) -> None:
        tenant_id, thread_id = await new_thread(sessionmaker)
        run_id = await new_run(sessionmaker, tenant_id, thread_id)
        now = utc_now()
        deadline = now + timedelta(minutes=5)
        async with unit_of_work(sessionmaker) as session:
            claimed = await RunRepository(session).claim(run_id, "w1", now, now, deadline)
        assert claimed is not None  # the row as the claim left it, without a second query
        assert (claimed.status, claimed.attempt) == (RunStatus.running, 1)
        assert (claimed.lease_owner, claimed.deadline_at) == ("w1", deadline)
        assert not await claim(sessionmaker, run_id, "w2")
        async with unit_of_work(sessionmaker) as session:
            run = await RunRepository(session).get_any(run_id)
        assert run is not None
        assert (run.status, run.attempt, run.lease_owner) == (RunStatus.running, 1, "w1")

    async def test_runs_of_a_thread_are_claimed_in_order(self, sessionmaker: Sessionmaker) -> None:
        tenant_id, thread_id = await new_thread(sessionmaker)
        first = await new_run(sessionmaker, tenant_id, thread_id)
        second = await new_run(sessionmaker, tenant_id, thread_id)
        assert not await claim(sessionmaker, second, "w")  # an older run is waiting
        assert await claim(sessionmaker, first, "w")
        assert not await claim(sessionmaker, second, "w")  # the thread is busy
        async with unit_of_work(sessionmaker) as session:
            await RunRepository(session).finish(first, 1, RunStatus.success, None, utc_now())
        assert await claim(sessionmaker, second, "w")

    async def test_finishing_is_fenced_by_the_attempt(self, sessionmaker: Sessionmaker) -> None:
        tenant_id, thread_id = await new_thread(sessionmaker)
        run_id = await new_run(sessionmaker, tenant_id, thread_id)
        assert await claim(sessionmaker, run_id, "w1")
        async with unit_of_work(sessionmaker) as session:
            repository = RunRepository(session)
            assert not await repository.finish(run_id, 7, RunStatus.success, None, utc_now())
            assert await repository.renew_many({run_id: 7}, utc_now()) == set()
            later = utc_now() + timedelta(seconds=60)
            assert await repository.renew_many({run_id: 1, uuid.uuid4(): 1}, later) == {run_id}
            assert await repository.finish(run_id, 1, RunStatus.error, "boom", utc_now())
            assert not await repository.finish(run_id, 1, RunStatus.success, None, utc_now())

    async def test_a_pending_run_can_be_stopped_once(self, sessionmaker: Sessionmaker) -> None:
        tenant_id, thread_id = await new_thread(sessionmaker)
        run_id = await new_run(sessionmaker, tenant_id, thread_id)
        async with unit_of_work(sessionmaker) as session:
            repository = RunRepository(session)
            assert await repository.stop_pending(run_id, RunStatus.interrupted, utc_now())
            assert not await repository.stop_pending(run_id, RunStatus.interrupted, utc_now())
        assert not await claim(sessionmaker, run_id, "w")
