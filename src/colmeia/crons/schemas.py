"""Agent Protocol shapes for crons (what ``client.crons`` sends and reads)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from colmeia.crons.schedule import check_schedule, check_timezone
from colmeia.models import Cron
from colmeia.runs.schemas import MultitaskStrategy, RunCreate, StreamMode

# Any (below): run inputs, configs, contexts and metadata are free-form JSON.

Schedule = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(check_schedule)]
Timezone = Annotated[str | None, AfterValidator(check_timezone)]
CRON_FIELDS = frozenset({"schedule", "end_time", "enabled", "timezone", "on_run_completed"})
"""What a create body says about the schedule; everything else is the run to create."""


def _aware(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


class CronCreate(RunCreate):
    schedule: Schedule
    end_time: Annotated[datetime | None, AfterValidator(_aware)] = None
    """No run is created after this instant (a naive time is UTC)."""
    enabled: bool = True
    timezone: Timezone = None
    on_run_completed: Literal["delete", "keep"] | None = None
    """A cron without a thread: delete each run's new thread after it (default) or keep it."""

    def run_payload(self, assistant_id: uuid.UUID) -> dict[str, Any]:
        """The `RunCreate` body each firing uses, with the assistant resolved to its id."""
        payload = self.model_dump(mode="json", exclude=set(CRON_FIELDS), exclude_unset=True)
        return {**payload, "assistant_id": str(assistant_id)}


class CronPatch(BaseModel):
    """``PATCH /runs/crons/{id}``: the schedule, and the run's own fields to replace."""

    model_config = ConfigDict(extra="forbid")

    schedule: Schedule | None = None
    end_time: Annotated[datetime | None, AfterValidator(_aware)] = None
    enabled: bool | None = None
    timezone: Timezone = None
    on_run_completed: Literal["delete", "keep"] | None = None
    metadata: dict[str, Any] | None = None
    input: dict[str, Any] | list[Any] | None = None
    config: dict[str, Any] | None = None
    context: dict[str, Any] | None = None
    stream_mode: StreamMode | list[StreamMode] | None = None
    interrupt_before: Literal["*"] | list[str] | None = None
    interrupt_after: Literal["*"] | list[str] | None = None
    stream_subgraphs: bool | None = None
    stream_resumable: bool | None = None
    durability: Literal["sync", "async", "exit"] | None = None
    multitask_strategy: MultitaskStrategy | None = None
    webhook: str | None = None


SortField = Literal[
    "cron_id", "assistant_id", "thread_id", "next_run_date", "end_time", "created_at", "updated_at"
]
CronField = Literal[
    "cron_id", "assistant_id", "thread_id", "on_run_completed", "end_time", "schedule",
    "timezone", "created_at", "updated_at", "payload", "user_id", "next_run_date", "metadata",
    "enabled",
]  # fmt: skip


class CronSearch(BaseModel):
    model_config = ConfigDict(extra="ignore")

    assistant_id: str | None = None
    thread_id: uuid.UUID | None = None
    enabled: bool | None = None
    metadata: dict[str, Any] | None = None
    limit: int = Field(default=10, ge=1, le=1000)
    offset: int = Field(default=0, ge=0)
    sort_by: SortField | None = None
    sort_order: Literal["asc", "desc"] | None = None
    select: list[CronField] | None = None


class CronCount(BaseModel):
    model_config = ConfigDict(extra="ignore")

    assistant_id: str | None = None
    thread_id: uuid.UUID | None = None
    metadata: dict[str, Any] | None = None


class CronRead(BaseModel):
    cron_id: uuid.UUID
    assistant_id: uuid.UUID
    thread_id: uuid.UUID | None
    on_run_completed: str | None
    end_time: datetime | None
    schedule: str
    timezone: str | None
    created_at: datetime
    updated_at: datetime
    payload: dict[str, Any]
    user_id: uuid.UUID
    next_run_date: datetime | None
    metadata: dict[str, Any]
    enabled: bool

    @classmethod
    def of(cls, row: Cron) -> CronRead:
        return cls(
            cron_id=row.id,
            assistant_id=row.assistant_id,
            thread_id=row.thread_id,
            on_run_completed=row.on_run_completed,
            end_time=row.end_time,
            schedule=row.schedule,
            timezone=row.timezone,
            created_at=row.created_at,
            updated_at=row.updated_at,
            payload=row.payload,
            user_id=row.user_id,
            next_run_date=row.next_run_date,
            metadata=row.metadata_,
            enabled=row.enabled,
        )
