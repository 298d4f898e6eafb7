"""SQL for the run ledger. Claims and finishes are conditional updates: the fencing token."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Update,
    and_,
    bindparam,
    delete,
    exists,
    func,
    or_,
    select,
    tuple_,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from colmeia.models import Run, RunEffect, RunStatus
from colmeia.models.run import ACTIVE_RUN_STATUSES

_OTHER = aliased(Run, name="other_run")
"""Another run of the ledger, in self-referencing conditions. Made once: a fresh alias per
statement makes SQLAlchemy re-adapt every column it touches (a tenth of a worker's CPU)."""


def _claim_statement() -> Update:
    """The claim, built once with bind parameters (it runs for every delivery)."""
    blocked = exists().where(
        _OTHER.thread_id == Run.thread_id,
        _OTHER.id != Run.id,
        or_(
            _OTHER.status == RunStatus.running,
            and_(_OTHER.status == RunStatus.pending, _OTHER.created_at < Run.created_at),
        ),
    )
    now: BindParameter[datetime] = bindparam("now")
    return (
        update(Run)
        .where(
            Run.id == bindparam("run_id"),
            Run.status == RunStatus.pending,
            or_(Run.available_at.is_(None), Run.available_at <= now),
            ~blocked,
        )
        .values(
            status=RunStatus.running,
            attempt=Run.attempt + 1,
            lease_owner=bindparam("owner"),
            lease_expires_at=bindparam("lease_until"),
            deadline_at=bindparam("deadline"),
            started_at=now,
            updated_at=now,
        )
        .returning(Run)
        .execution_options(synchronize_session=False, populate_existing=True)
    )


_CLAIM = _claim_statement()


class RunRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, run: Run) -> Run:
        self.session.add(run)
        await self.session.flush()
        return run

    async def get(self, run_id: uuid.UUID, tenant_id: uuid.UUID) -> Run | None:
        statement = select(Run).where(Run.id == run_id, Run.tenant_id == tenant_id)
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def by_idempotency_key(self, tenant_id: uuid.UUID, key: str) -> Run | None:
        statement = select(Run).where(Run.tenant_id == tenant_id, Run.idempotency_key == key)
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def get_any(self, run_id: uuid.UUID) -> Run | None:
        """Unscoped: the worker acts for whichever tenant owns the run."""
        return await self.session.get(Run, run_id, populate_existing=True)

    async def on_thread(
        self, thread_id: uuid.UUID, tenant_id: uuid.UUID, status: RunStatus | None
    ) -> list[Run]:
        statement = select(Run).where(Run.thread_id == thread_id, Run.tenant_id == tenant_id)
        if status is not None:
            statement = statement.where(Run.status == status)
        statement = statement.order_by(Run.created_at.desc(), Run.id)
        return list((await self.session.execute(statement)).scalars())

    async def of_tenant(self, tenant_id: uuid.UUID, statuses: tuple[RunStatus, ...]) -> list[Run]:
        statement = (
            select(Run)
            .where(Run.tenant_id == tenant_id, Run.status.in_(statuses))
            .order_by(Run.created_at)
        )
        return list((await self.session.execute(statement)).scalars())

    async def active_on_thread(self, thread_id: uuid.UUID) -> list[Run]:
        statement = (
            select(Run)
            .where(Run.thread_id == thread_id, Run.status.in_(ACTIVE_RUN_STATUSES))
            .order_by(Run.created_at)
        )
        return list((await self.session.execute(statement)).scalars())

    async def claim(
        self,
        run_id: uuid.UUID,
        owner: str,
        now: datetime,
        lease_until: datetime,
        deadline: datetime,
    ) -> Run | None:
        """pending → running, attempt + 1, when the run is due (``available_at``), no other run
        of the thread is running and no older one is waiting (so ``enqueue`` keeps order).
        Returns the claimed row (one round trip: ``RETURNING``), or None: someone else has it,
        or it is not its time yet. ``deadline`` is the attempt's time limit, written with the
        claim for operators to see."""
        values = {
            "run_id": run_id,
            "owner": owner,
            "now": now,
            "lease_until": lease_until,
            "deadline": deadline,
        }
        return (await self.session.scalars(_CLAIM, values)).one_or_none()

    async def renew_many(
        self, attempts: Mapping[uuid.UUID, int], lease_until: datetime
    ) -> set[uuid.UUID]:
        """Extend the lease of each run whose ``attempts[run_id]`` still holds it (one
        statement); returns those runs: the others were reaped and belong to a later attempt."""
        if not attempts:
            return set()
        statement = (
            update(Run)
            .where(
                tuple_(Run.id, Run.attempt).in_(list(attempts.items())),
                Run.status == RunStatus.running,
            )
            .values(lease_expires_at=lease_until)
            .returning(Run.id)
            .execution_options(synchronize_session=False)
        )
        return set((await self.session.scalars(statement)).all())

    async def finish(
        self,
        run_id: uuid.UUID,
        attempt: int,
        status: RunStatus,
        error: str | None,
        now: datetime,
    ) -> bool:
        """running → a terminal status, only for the attempt that holds the claim."""
        statement = (
            update(Run)
            .where(Run.id == run_id, Run.attempt == attempt, Run.status == RunStatus.running)
            .values(
                status=status,
                error=error,
                lease_owner=None,
                lease_expires_at=None,
                ended_at=now,
                updated_at=now,
            )
            .execution_options(synchronize_session=False)
        )
        return bool((await self.session.execute(statement)).rowcount)  # type: ignore[attr-defined]

    async def retry_later(
        self, run_id: uuid.UUID, attempt: int, error: str, available_at: datetime, now: datetime
    ) -> bool:
        """running → pending until ``available_at`` (backoff), for the attempt holding the claim.
        The attempt count is kept: the next claim increments it."""
        statement = (
            update(Run)
            .where(Run.id == run_id, Run.attempt == attempt, Run.status == RunStatus.running)
            .values(
                status=RunStatus.pending,
                error=error,
                lease_owner=None,
                lease_expires_at=None,
                deadline_at=None,
                available_at=available_at,
                updated_at=now,
            )
            .execution_options(synchronize_session=False)
        )
        return bool((await self.session.execute(statement)).rowcount)  # type: ignore[attr-defined]

    async def bury(self, run_id: uuid.UUID, attempt: int, error: str, now: datetime) -> bool:
        """running → dead (the dead-letter list), for the attempt holding the claim."""
        statement = (
            update(Run)
            .where(Run.id == run_id, Run.attempt == attempt, Run.status == RunStatus.running)
            .values(**_dead_values(error, now))
            .execution_options(synchronize_session=False)
        )
        return bool((await self.session.execute(statement)).rowcount)  # type: ignore[attr-defined]

    async def release_expired(self, now: datetime) -> list[uuid.UUID]:
        """running runs whose lease expired, with attempts left → pending (attempt kept).

        One statement: replicas sweeping at once each get a disjoint set of ids.
        """
        statement = (
            update(Run)
            .where(_lease_expired(now), Run.attempt < Run.max_attempts)
            .values(
                status=RunStatus.pending,
                error="the worker running it was lost (lease expired)",
                lease_owner=None,
                lease_expires_at=None,
                deadline_at=None,
                available_at=now,
                updated_at=now,
            )
            .returning(Run.id)
            .execution_options(synchronize_session=False)
        )
        return list((await self.session.execute(statement)).scalars())

    async def bury_expired(self, now: datetime) -> list[Run]:
        """running runs whose lease expired on their last attempt → dead."""
        error = "the worker running its last attempt was lost (lease expired)"
        statement = (
            update(Run)
            .where(_lease_expired(now), Run.attempt >= Run.max_attempts)
            .values(**_dead_values(error, now))
            .returning(Run)
            .execution_options(synchronize_session=False)
        )
        return list((await self.session.execute(statement)).scalars())

    async def redeliver_stale(self, cutoff: datetime, now: datetime) -> list[uuid.UUID]:
        """pending runs whose message is lost (the enqueue failed, or it died with a worker):
        touched so that only one sweep sends each again.

        A run merely waiting in a long queue is not lost, and sending it again would only add
        duplicates to that queue. The queue is FIFO, so a run is taken as lost when it was sent
        before ``cutoff`` and either the queue has moved past it — a run created after it was
        sent was claimed before ``cutoff`` — or the queue stands still (nothing running, nothing
        claimed since ``cutoff``). Runs waiting behind a running run of their thread are left
        alone (that run sends them on), as are runs in backoff.
        """
        other = _OTHER
        thread_busy = exists().where(
            other.thread_id == Run.thread_id, other.status == RunStatus.running
        )
        frontier = (
            select(func.max(other.created_at)).where(other.started_at < cutoff).scalar_subquery()
        )
        queue_moving = exists().where(
            or_(other.status == RunStatus.running, other.started_at >= cutoff)
        )
        statement = (
            update(Run)
            .where(
                Run.status == RunStatus.pending,
                Run.updated_at < cutoff,
                or_(Run.available_at.is_(None), Run.available_at < cutoff),
                ~thread_busy,
                or_(Run.updated_at < frontier, ~queue_moving),
            )
            .values(updated_at=now)
            .returning(Run.id)
            .execution_options(synchronize_session=False)
        )
        return list((await self.session.execute(statement)).scalars())

    async def pending_backlog(self) -> tuple[int, datetime | None]:
        """How many runs wait (pending, any tenant) and since when the oldest has waited."""
        statement = select(func.count(Run.id), func.min(Run.created_at)).where(
            Run.status == RunStatus.pending
        )
        count, oldest = (await self.session.execute(statement)).one()
        return int(count), oldest

    async def stop_pending(self, run_id: uuid.UUID, status: RunStatus, now: datetime) -> bool:
        """pending → ``status`` for a run no worker has claimed yet."""
        statement = (
            update(Run)
            .where(Run.id == run_id, Run.status == RunStatus.pending)
            .values(status=status, ended_at=now, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        return bool((await self.session.execute(statement)).rowcount)  # type: ignore[attr-defined]

    async def delete(self, run_id: uuid.UUID) -> None:
        await self.session.execute(delete(Run).where(Run.id == run_id))


class EffectRepository:
    """Side effects recorded by key; the unique key is what makes a repeat a no-op."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, key: str) -> RunEffect | None:
        statement = select(RunEffect).where(RunEffect.key == key)
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def start(self, key: str, run_id: uuid.UUID | None, attempt: int) -> None:
        """Insert the in-flight row; raises IntegrityError when the key exists."""
        self.session.add(RunEffect(key=key, run_id=run_id, attempt=attempt))
        await self.session.flush()

    async def take_over(self, key: str, attempt: int) -> bool:
        """An earlier attempt started the effect and never finished it: this one takes it."""
        statement = (
            update(RunEffect)
            .where(
                RunEffect.key == key,
                RunEffect.completed_at.is_(None),
                RunEffect.attempt < attempt,
            )
            .values(attempt=attempt)
            .execution_options(synchronize_session=False)
        )
        return bool((await self.session.execute(statement)).rowcount)  # type: ignore[attr-defined]

    async def complete(self, key: str, attempt: int, result: object, now: datetime) -> bool:
        """Record the result, if ``attempt`` still holds the effect (False: a later attempt
        took it over, so this one is stale)."""
        statement = (
            update(RunEffect)
            .where(
                RunEffect.key == key,
                RunEffect.attempt == attempt,
                RunEffect.completed_at.is_(None),
            )
            .values(result=result, completed_at=now)
            .execution_options(synchronize_session=False)
        )
        return bool((await self.session.execute(statement)).rowcount)  # type: ignore[attr-defined]

    async def abandon(self, key: str, attempt: int) -> None:
        """The action failed: forget the claim so that a retry may perform it."""
        statement = delete(RunEffect).where(
            RunEffect.key == key, RunEffect.attempt == attempt, RunEffect.completed_at.is_(None)
        )
        await self.session.execute(statement)


def _lease_expired(now: datetime) -> ColumnElement[bool]:
    return and_(Run.status == RunStatus.running, Run.lease_expires_at < now)


def _dead_values(error: str, now: datetime) -> dict[str, object]:
    return {
        "status": RunStatus.dead,
        "error": error,
        "lease_owner": None,
        "lease_expires_at": None,
        "deadline_at": None,
        "dead_at": now,
        "ended_at": now,
        "updated_at": now,
    }
