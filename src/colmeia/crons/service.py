"""Cron rules: a cron belongs to its creator's tenant and fires as its creator.

Creating one checks the assistant (and thread) the way a run would, so a cron that could never
fire is refused at once, and computes its first run from now. Updating the schedule or the
timezone recomputes the next run; the run fields of an update replace those of the stored body,
which is validated again as a whole.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from colmeia.assistants.service import assistant as assistant_service
from colmeia.auth.principal import Principal
from colmeia.crons.errors import CronNotFound
from colmeia.crons.repository import CronRepository
from colmeia.crons.schedule import next_run
from colmeia.crons.schemas import CRON_FIELDS, CronCount, CronCreate, CronPatch, CronSearch
from colmeia.errors import ValidationFailed
from colmeia.kit.matching import contains
from colmeia.kit.pagination import page
from colmeia.kit.time import utc_now
from colmeia.models import Cron
from colmeia.runs.schemas import RunCreate
from colmeia.threads.service import thread as thread_service

SORT_COLUMNS = {"cron_id": "id"}
"""Sort fields whose column has another name."""


class CronService:
    async def create(
        self,
        session: AsyncSession,
        principal: Principal,
        thread_id: uuid.UUID | None,
        body: CronCreate,
        graph_ids: set[str],
    ) -> Cron:
        assistant_id = assistant_service.resolve_id(body.assistant_id, graph_ids)
        await assistant_service.get(session, principal, assistant_id)
        if thread_id is not None:
            await thread_service.get(session, principal, thread_id)
        now = utc_now()
        cron = Cron(
            tenant_id=principal.tenant_id,
            user_id=principal.user_id,
            assistant_id=assistant_id,
            thread_id=thread_id,
            schedule=body.schedule,
            timezone=body.timezone,
            payload=body.run_payload(assistant_id),
            metadata_=dict(body.metadata),
            on_run_completed=None if thread_id else body.on_run_completed or "delete",
            enabled=body.enabled,
            end_time=body.end_time,
            next_run_date=next_run(body.schedule, now, body.timezone),
            updated_at=now,
        )
        cron.created_at = now
        return await CronRepository(session).add(cron)

    async def get(self, session: AsyncSession, principal: Principal, cron_id: uuid.UUID) -> Cron:
        """The caller's cron, else `CronNotFound` (also for another tenant's id)."""
        cron = await CronRepository(session).get(cron_id, principal.tenant_id)
        if cron is None:
            raise CronNotFound(cron_id)
        return cron

    async def update(
        self, session: AsyncSession, principal: Principal, cron_id: uuid.UUID, body: CronPatch
    ) -> Cron:
        given = body.model_dump(exclude_unset=True)
        if not given:
            raise ValidationFailed("the update is empty: give at least one field to change")
        cron = await self.get(session, principal, cron_id)
        run_fields = {k: v for k, v in given.items() if k not in CRON_FIELDS}
        if run_fields:
            payload = {**cron.payload, **run_fields}
            RunCreate.model_validate(payload)  # the run each firing creates must still be valid
            cron.payload = payload
        if "metadata" in given:
            cron.metadata_ = dict(body.metadata or {})
        if "enabled" in given and body.enabled is not None:
            cron.enabled = body.enabled
        if "end_time" in given:  # an explicit null clears it
            cron.end_time = body.end_time
        if "on_run_completed" in given and cron.thread_id is None:
            cron.on_run_completed = body.on_run_completed or "delete"
        now = utc_now()
        if "schedule" in given or "timezone" in given:
            cron.schedule = body.schedule or cron.schedule
            cron.timezone = body.timezone if "timezone" in given else cron.timezone
            cron.next_run_date = next_run(cron.schedule, now, cron.timezone)
        cron.updated_at = now
        return cron

    async def delete(self, session: AsyncSession, principal: Principal, cron_id: uuid.UUID) -> None:
        await CronRepository(session).delete(await self.get(session, principal, cron_id))

    async def search(
        self, session: AsyncSession, principal: Principal, body: CronSearch
    ) -> tuple[list[Cron], int | None]:
        found = await self._matching(
            session, principal, body.assistant_id, body.thread_id, body.metadata, body.enabled
        )
        if body.sort_by is not None:
            column = SORT_COLUMNS.get(body.sort_by, body.sort_by)
            found.sort(
                key=lambda c: _sort_key(getattr(c, column)), reverse=body.sort_order != "asc"
            )
        return page(found, body.limit, body.offset)

    async def count(self, session: AsyncSession, principal: Principal, body: CronCount) -> int:
        found = await self._matching(
            session, principal, body.assistant_id, body.thread_id, body.metadata
        )
        return len(found)

    async def _matching(
        self,
        session: AsyncSession,
        principal: Principal,
        assistant: str | None,
        thread_id: uuid.UUID | None,
        metadata: dict[str, Any] | None,
        enabled: bool | None = None,
    ) -> list[Cron]:
        """The tenant's crons, filtered; an assistant may be named by id or graph id."""
        assistant_id = assistant_service.resolve_id(assistant) if assistant else None
        rows = await CronRepository(session).of_tenant(
            principal.tenant_id, assistant_id, thread_id, enabled
        )
        return [row for row in rows if contains(row.metadata_, metadata or {})]


def _sort_key(value: object) -> tuple[bool, str]:
    """None last in ascending order, as SQL's NULLS LAST; values by their text form (ids, ISO
    times)."""
    return (value is None, "" if value is None else str(value))


cron = CronService()
