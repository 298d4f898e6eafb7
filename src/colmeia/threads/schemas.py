"""Agent Protocol shapes for threads and their state."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from colmeia.models import Thread

# Any (below): metadata, values and checkpoints are free-form JSON in the protocol.


class ThreadCreate(BaseModel):
    model_config = ConfigDict(extra="ignore")

    thread_id: uuid.UUID | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)
    if_exists: Literal["raise", "do_nothing"] = "raise"


class ThreadPatch(BaseModel):
    model_config = ConfigDict(extra="ignore")

    metadata: dict[str, Any] = Field(default_factory=dict)


class ThreadSearch(BaseModel):
    model_config = ConfigDict(extra="ignore")

    metadata: dict[str, Any] | None = None
    values: dict[str, Any] | None = None
    ids: list[uuid.UUID] | None = None
    status: Literal["idle", "busy", "interrupted", "error"] | None = None
    limit: int = Field(default=10, ge=1, le=1000)
    offset: int = Field(default=0, ge=0)
    sort_by: Literal["thread_id", "status", "created_at", "updated_at"] | None = None
    sort_order: Literal["asc", "desc"] | None = None


class ThreadCount(BaseModel):
    model_config = ConfigDict(extra="ignore")

    metadata: dict[str, Any] | None = None
    values: dict[str, Any] | None = None
    status: Literal["idle", "busy", "interrupted", "error"] | None = None


class CheckpointRef(BaseModel):
    model_config = ConfigDict(extra="ignore")

    checkpoint_id: str | None = None
    checkpoint_ns: str = ""


class StateUpdate(BaseModel):
    model_config = ConfigDict(extra="ignore")

    values: dict[str, Any] | list[dict[str, Any]] | None = None
    as_node: str | None = None
    checkpoint_id: str | None = None
    checkpoint: CheckpointRef | None = None


class StateAtCheckpoint(BaseModel):
    model_config = ConfigDict(extra="ignore")

    checkpoint: CheckpointRef
    subgraphs: bool = False


class HistorySearch(BaseModel):
    model_config = ConfigDict(extra="ignore")

    limit: int = Field(default=10, ge=1, le=1000)
    before: CheckpointRef | str | None = None
    metadata: dict[str, Any] | None = None
    checkpoint: CheckpointRef | None = None


class ThreadRead(BaseModel):
    thread_id: uuid.UUID
    created_at: datetime
    updated_at: datetime
    metadata: dict[str, Any]
    status: str
    values: dict[str, Any] | None
    interrupts: dict[str, Any]

    @classmethod
    def of(cls, row: Thread) -> ThreadRead:
        return cls(
            thread_id=row.id,
            created_at=row.created_at,
            updated_at=row.updated_at,
            metadata=row.metadata_,
            status=row.status.value,
            values=row.values,
            interrupts=row.interrupts,
        )
