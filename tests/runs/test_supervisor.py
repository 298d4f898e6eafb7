"""One supervisor per worker process: cancel requests and lease renewals for all of its runs.

Real Redis (the cancel keys) and the real ledger on SQLite and PostgreSQL (the renewals).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import datetime

import pytest
from redis.asyncio import Redis
from sqlalchemy import update

from colmeia.db import Sessionmaker, unit_of_work
from colmeia.models import Run
from colmeia.runs.events import RunEvents
from colmeia.runs.repository import RunRepository
from colmeia.runs.supervisor import LEASE_LOST, RunSupervisor
from tests.runs.ledger_rows import claim, new_run, new_thread

LEASE_S = 0.6  # renewals every 0.2 s, one per tick


@pytest.fixture
async def events(redis_url: str) -> AsyncIterator[RunEvents]:
    redis = Redis.from_url(redis_url)
    yield RunEvents(redis, ttl_s=60)
    await redis.aclose()


async def _claimed(sessionmaker: Sessionmaker) -> Run:
    tenant_id, thread_id = await new_thread(sessionmaker)
    run_id = await new_run(sessionmaker, tenant_id, thread_id)
    assert await claim(sessionmaker, run_id, "w1")
    return await _row(sessionmaker, run_id)


async def _row(sessionmaker: Sessionmaker, run_id: uuid.UUID) -> Run:
    async with unit_of_work(sessionmaker) as session:
        run = await RunRepository(session).get_any(run_id)
    assert run is not None
    return run


async def _lease(sessionmaker: Sessionmaker, run_id: uuid.UUID) -> datetime:
    lease = (await _row(sessionmaker, run_id)).lease_expires_at
    assert lease is not None
    return lease


class TestRunSupervisor:
    async def test_a_cancel_request_stops_only_its_run(
        self,
        events: RunEvents,
        sessionmaker: Sessionmaker,
    ) -> None:
        supervisor = RunSupervisor(events, sessionmaker, lease_s=60)
        first, second = await _claimed(sessionmaker), await _claimed(sessionmaker)
        async with supervisor.running():
            with supervisor.watching(first) as stopped, supervisor.watching(second) as other:
                await events.request_cancel(first.id, "rollback")
                assert await asyncio.wait_for(stopped, timeout=10) == "rollback"
                await asyncio.sleep(0.5)  # more ticks: the other run is still watched, untouched
                assert not other.done()

    async def test_leases_are_renewed_while_watched(
        self,
        events: RunEvents,
        sessionmaker: Sessionmaker,
    ) -> None:
        supervisor = RunSupervisor(events, sessionmaker, lease_s=LEASE_S)
        run = await _claimed(sessionmaker)  # its claim granted 30 s
        claimed_lease = await _lease(sessionmaker, run.id)
        async with supervisor.running():
            with supervisor.watching(run) as stopped:
                renewed = await _wait_for_lease_change(sessionmaker, run.id, claimed_lease)
                # Renewals grant LEASE_S from now: sooner than the claim's 30 s.
                assert renewed < claimed_lease
                later = await _wait_for_lease_change(sessionmaker, run.id, renewed)
                assert later > renewed
                assert not stopped.done()

    async def test_an_attempt_that_lost_its_run_is_told(
        self,
        events: RunEvents,
        sessionmaker: Sessionmaker,
    ) -> None:
        supervisor = RunSupervisor(events, sessionmaker, lease_s=LEASE_S)
        kept, reaped = await _claimed(sessionmaker), await _claimed(sessionmaker)
        async with unit_of_work(sessionmaker) as session:  # the reaper gave it to attempt 2
            await session.execute(update(Run).where(Run.id == reaped.id).values(attempt=2))
        async with supervisor.running():
            with supervisor.watching(kept) as fine, supervisor.watching(reaped) as lost:
                assert await asyncio.wait_for(lost, timeout=10) == LEASE_LOST
                assert not fine.done()
        assert (await _row(sessionmaker, reaped.id)).attempt == 2  # left to its new owner


async def _wait_for_lease_change(
    sessionmaker: Sessionmaker,
    run_id: uuid.UUID,
    than: datetime,
) -> datetime:
    for _ in range(100):
        lease = await _lease(sessionmaker, run_id)
        if lease != than:
            return lease
        await asyncio.sleep(0.05)
    raise AssertionError("the lease was not renewed")
