"""The reaper on SQLite and PostgreSQL with a real Redis broker: expired leases go back to
pending (or to the dead letters on their last attempt) and are sent to the resume queue, lost
enqueues are sent again but runs merely waiting in a long queue are not, and replicas sweeping
at once never act on the same run twice."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from datetime import timedelta

import pytest
import redis as redis_sync
from prometheus_client import REGISTRY
from redis.asyncio import Redis

from colmeia import migrations
from colmeia.config import Settings
from colmeia.db import Sessionmaker, create_engine, make_sessionmaker, unit_of_work
from colmeia.kit.time import utc_now
from colmeia.models import Run, RunStatus, Tenant, Thread, ThreadStatus
from colmeia.runs.events import RunEvents
from colmeia.runs.policy import RunPolicy
from colmeia.runs.reaper import Reaper
from colmeia.runs.repository import RunRepository
from colmeia.runs.task_names import resume_queue
from colmeia.threads.repository import ThreadRepository
from colmeia.worker.app import create_celery
from colmeia.worker.enqueue import JobQueue
from tests.fixtures.backends import postgres_database


@dataclass
class Ledger:
    sessionmaker: Sessionmaker
    events: RunEvents
    queue: JobQueue
    queue_name: str
    broker: redis_sync.Redis

    def reaper(self, **policy: float) -> Reaper:
        return Reaper(self.sessionmaker, self.events, self.queue, RunPolicy(**policy))  # type: ignore[arg-type]

    def sent(self, *runs: Run, queue: str | None = None) -> int:
        """Messages waiting in this test's resume queue (or ``queue``) for ``runs`` (sweeps
        also find other tests' leftovers in the shared database)."""
        wanted = {str(run.id) for run in runs}
        raw = self.broker.lrange(queue or resume_queue(self.queue_name), 0, -1)
        return sum(
            1
            for message in map(json.loads, raw)
            if any(run_id in message["headers"]["kwargsrepr"] for run_id in wanted)
        )


@asynccontextmanager
async def _ledger(settings: Settings, broker: redis_sync.Redis) -> AsyncIterator[Ledger]:
    assert settings.redis.url is not None
    settings.agents.queue = f"colmeia.runs.reaper.{uuid.uuid4().hex}"
    engine = create_engine(settings.database_url)
    redis = Redis.from_url(settings.redis.url)
    celery = create_celery(settings, settings.redis.url)
    try:
        yield Ledger(
            make_sessionmaker(engine),
            RunEvents(redis, 60),
            JobQueue(celery),
            settings.agents.queue,
            broker,
        )
    finally:
        broker.delete(settings.agents.queue, resume_queue(settings.agents.queue))
        await redis.aclose()
        await engine.dispose()


@pytest.fixture
async def ledger(settings: Settings, redis_client: redis_sync.Redis) -> AsyncIterator[Ledger]:
    """On the session's shared database (other tests' runs are in it too)."""
    async with _ledger(settings, redis_client) as opened:
        yield opened


@contextmanager
def _private_database(settings: Settings, request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh, migrated database of the same backend as ``settings``'."""
    if settings.database_url.startswith("sqlite"):
        url = f"sqlite:///{settings.data_dir / f'ledger-{uuid.uuid4().hex[:8]}.db'}"
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        migrations.upgrade(url)
        yield url
        return
    with postgres_database(request.getfixturevalue("pg_admin_url")) as url:
        migrations.upgrade(url)
        yield url


@pytest.fixture
async def private_ledger(
    settings: Settings, redis_client: redis_sync.Redis, request: pytest.FixtureRequest
) -> AsyncIterator[Ledger]:
    """On a database of its own: the queue's frontier depends on every run in the ledger."""
    with _private_database(settings, request) as url:
        settings.database.url = url
        async with _ledger(settings, redis_client) as opened:
            yield opened


async def _running_run(
    ledger: Ledger, *, attempt: int = 1, max_attempts: int = 3, expired: bool = True
) -> Run:
    """A run claimed by a worker whose lease ran out ``expired`` (or still holds it)."""
    now = utc_now()
    lease = now - timedelta(seconds=5) if expired else now + timedelta(seconds=60)
    async with unit_of_work(ledger.sessionmaker) as session:
        tenant = Tenant(name=f"t-{uuid.uuid4().hex[:8]}")
        session.add(tenant)
        await session.flush()
        thread = Thread(tenant_id=tenant.id, metadata_={}, interrupts={}, status=ThreadStatus.busy)
        session.add(thread)
        await session.flush()
        run = Run(
            tenant_id=tenant.id,
            thread_id=thread.id,
            assistant_id=uuid.uuid4(),
            kwargs={"graph_id": "g"},
            status=RunStatus.running,
            attempt=attempt,
            max_attempts=max_attempts,
            lease_owner="worker-gone:1",
            lease_expires_at=lease,
        )
        return await RunRepository(session).add(run)


def _sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def _read(ledger: Ledger, run_id: uuid.UUID) -> Run:
    async with unit_of_work(ledger.sessionmaker) as session:
        run = await RunRepository(session).get_any(run_id)
        assert run is not None
        return run


class TestLeases:
    async def test_an_expired_lease_goes_back_to_pending_and_is_sent(self, ledger: Ledger) -> None:
        run = await _running_run(ledger)
        live = await _running_run(ledger, expired=False)
        recoveries = _sample("colmeia_run_lease_recoveries_total")
        swept = await ledger.reaper().sweep()
        assert _sample("colmeia_run_lease_recoveries_total") >= recoveries + 1
        assert str(run.id) in swept.recovered
        assert str(live.id) not in swept.recovered
        after = await _read(ledger, run.id)
        assert (after.status, after.attempt, after.lease_owner) == (RunStatus.pending, 1, None)
        assert ledger.sent(run, live) == 1
        assert ledger.sent(run, queue=ledger.queue_name) == 0  # not behind the backlog
        again = await ledger.reaper().sweep()
        assert str(run.id) not in again.recovered
        assert (await _read(ledger, live.id)).status == RunStatus.running

    async def test_the_last_attempt_lost_is_a_dead_letter(self, ledger: Ledger) -> None:
        run = await _running_run(ledger, attempt=3, max_attempts=3)
        buried = _sample("colmeia_dead_letters_total", reason="lease_expired")
        swept = await ledger.reaper().sweep()
        assert str(run.id) in swept.dead
        assert _sample("colmeia_dead_letters_total", reason="lease_expired") >= buried + 1
        after = await _read(ledger, run.id)
        assert after.status == RunStatus.dead
        assert after.dead_at is not None
        assert "lease expired" in (after.error or "")
        assert ledger.sent(run) == 0
        output = await ledger.events.output(run.id)
        assert output is not None
        assert output["status"] == "dead"
        async with unit_of_work(ledger.sessionmaker) as session:
            thread = await ThreadRepository(session).get_any(run.thread_id)
        assert thread is not None
        assert thread.status == ThreadStatus.error

    async def test_replicas_sweeping_at_once_recover_each_run_once(self, ledger: Ledger) -> None:
        runs = [await _running_run(ledger) for _ in range(6)]
        sweeps = await asyncio.gather(*(ledger.reaper().sweep() for _ in range(3)))
        recovered = [run_id for sweep in sweeps for run_id in sweep.recovered]
        mine = [run_id for run_id in recovered if run_id in {str(run.id) for run in runs}]
        assert sorted(mine) == sorted(str(run.id) for run in runs)
        assert ledger.sent(*runs) == len(runs)


async def _pending_run(ledger: Ledger, sent_s_ago: float) -> Run:
    """A run accepted and sent ``sent_s_ago`` seconds ago that no worker has claimed."""
    run = await _running_run(ledger, expired=False)
    sent = utc_now() - timedelta(seconds=sent_s_ago)
    async with unit_of_work(ledger.sessionmaker) as session:
        row = await session.get(Run, run.id)
        assert row is not None
        row.status, row.attempt, row.lease_owner, row.lease_expires_at = (
            RunStatus.pending,
            0,
            None,
            None,
        )
        row.created_at = row.updated_at = sent
    return run


async def _claimed_run(ledger: Ledger, created_s_ago: float, claimed_s_ago: float) -> Run:
    """A run created ``created_s_ago`` and claimed ``claimed_s_ago`` seconds ago, still running."""
    run = await _running_run(ledger, expired=False)
    now = utc_now()
    async with unit_of_work(ledger.sessionmaker) as session:
        row = await session.get(Run, run.id)
        assert row is not None
        row.created_at = now - timedelta(seconds=created_s_ago)
        row.started_at = now - timedelta(seconds=claimed_s_ago)
    return run


class TestLostEnqueues:
    async def test_a_pending_run_in_a_still_queue_is_sent_again_once(
        self, private_ledger: Ledger
    ) -> None:
        """Nothing running, nothing claimed for 30 s: its message is lost, not waiting."""
        run = await _pending_run(private_ledger, sent_s_ago=60)
        first = await private_ledger.reaper(redeliver_after_s=30).sweep()
        second = await private_ledger.reaper(redeliver_after_s=30).sweep()
        assert first.redelivered == (str(run.id),)
        assert str(run.id) not in second.redelivered  # touched: not again before 30 s
        assert private_ledger.sent(run) == 1
        assert private_ledger.sent(run, queue=private_ledger.queue_name) == 0

    async def test_a_run_waiting_in_a_moving_queue_is_not_sent_again(
        self, private_ledger: Ledger
    ) -> None:
        """A long backlog: runs keep being claimed, but none sent after this one yet; sending
        it again would only add a duplicate to the backlog."""
        waiting = await _pending_run(private_ledger, sent_s_ago=60)
        await _claimed_run(private_ledger, created_s_ago=300, claimed_s_ago=2)
        await _pending_run(private_ledger, sent_s_ago=50)  # behind it in the queue
        swept = await private_ledger.reaper(redeliver_after_s=30).sweep()
        assert swept.redelivered == ()
        assert private_ledger.sent(waiting) == 0

    async def test_a_run_the_queue_moved_past_is_sent_again(self, private_ledger: Ledger) -> None:
        """A run sent after it was claimed 40 s ago: its own message was lost (or is held by a
        dead worker), even though the queue is busy."""
        skipped = await _pending_run(private_ledger, sent_s_ago=60)
        await _claimed_run(private_ledger, created_s_ago=55, claimed_s_ago=40)
        await _claimed_run(private_ledger, created_s_ago=300, claimed_s_ago=2)
        swept = await private_ledger.reaper(redeliver_after_s=30).sweep()
        assert swept.redelivered == (str(skipped.id),)
        assert private_ledger.sent(skipped) == 1

    async def test_a_run_in_backoff_is_neither_claimed_nor_sent(self, ledger: Ledger) -> None:
        run = await _running_run(ledger, expired=False)
        now = utc_now()
        async with unit_of_work(ledger.sessionmaker) as session:
            repository = RunRepository(session)
            later = now + timedelta(seconds=60)
            assert await repository.retry_later(run.id, 1, "429", later, now)
        async with unit_of_work(ledger.sessionmaker) as session:
            lease = now + timedelta(seconds=30)
            assert not await RunRepository(session).claim(run.id, "w", utc_now(), lease, lease)
        swept = await ledger.reaper(redeliver_after_s=0.001).sweep()
        assert str(run.id) not in swept.redelivered
        async with unit_of_work(ledger.sessionmaker) as session:
            assert await RunRepository(session).claim(run.id, "w", later, later, later)
        assert (await _read(ledger, run.id)).attempt == 2


class TestQueueGauges:
    async def test_a_sweep_reports_the_backlog_and_its_oldest_age(self, ledger: Ledger) -> None:
        """/metrics' queue depth and oldest-pending age come from the ledger at each sweep."""
        run = await _running_run(ledger, expired=False)
        async with unit_of_work(ledger.sessionmaker) as session:
            waiting = await session.get(Run, run.id)
            assert waiting is not None
            waiting.status, waiting.lease_owner = RunStatus.pending, None
            waiting.created_at = utc_now() - timedelta(seconds=120)
        await ledger.reaper(redeliver_after_s=3600).sweep()
        assert _sample("colmeia_queue_depth") >= 1
        assert _sample("colmeia_queue_oldest_pending_age_seconds") >= 120
