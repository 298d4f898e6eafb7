"""Agent Protocol shapes for runs, as ``langgraph-sdk`` sends and reads them."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from colmeia.models import Run

# Any (below): input, config, context and metadata are free-form JSON in the protocol.

StreamMode = Literal[
    "values",
    "updates",
    "messages",
    "messages-tuple",
    "custom",
    "debug",
    "events",
    "tasks",
    "checkpoints",
]
MultitaskStrategy = Literal["reject", "interrupt", "rollback", "enqueue"]


class CommandBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    resume: Any = None
    update: Any = None
    goto: Any = None


class CheckpointBody(BaseModel):
    model_config = ConfigDict(extra="ignore")

    checkpoint_id: str | None = None
    checkpoint_ns: str = ""


class RunCreate(BaseModel):
    model_config = ConfigDict(extra="ignore")

    assistant_id: str = Field(min_length=1)
    input: dict[str, Any] | list[Any] | None = None
    command: CommandBody | None = None
    config: dict[str, Any] = Field(default_factory=dict)
    context: dict[str, Any] = Field(default_factory=dict)
    metadata: dict[str, Any] = Field(default_factory=dict)
    stream_mode: StreamMode | list[StreamMode] = "values"
    stream_subgraphs: bool = False
    stream_resumable: bool = False
    interrupt_before: Literal["*"] | list[str] | None = None
    interrupt_after: Literal["*"] | list[str] | None = None
    checkpoint: CheckpointBody | None = None
    checkpoint_id: str | None = None
    multitask_strategy: MultitaskStrategy = "reject"
    if_not_exists: Literal["create", "reject"] = "reject"
    on_disconnect: Literal["cancel", "continue"] = "continue"
    on_completion: Literal["delete", "keep"] | None = None
    after_seconds: float | None = Field(default=None, ge=0)
    durability: Literal["sync", "async", "exit"] = "sync"
    webhook: str | None = None

    def modes(self) -> list[str]:
        modes = [self.stream_mode] if isinstance(self.stream_mode, str) else self.stream_mode
        return list(dict.fromkeys(modes)) or ["values"]


class RunsCancel(BaseModel):
    """``POST /runs/cancel``: the runs of one thread by id, or every run of the caller's tenant
    in a status (``client.runs.cancel_many``)."""

    model_config = ConfigDict(extra="forbid")

    thread_id: uuid.UUID | None = None
    run_ids: list[uuid.UUID] = Field(default_factory=list, max_length=1000)
    status: Literal["pending", "running", "all"] | None = None

    @model_validator(mode="after")
    def _one_selection(self) -> RunsCancel:
        if self.status is not None and (self.thread_id is not None or self.run_ids):
            raise ValueError("give either status, or thread_id and run_ids, not both")
        if self.status is None and (self.thread_id is None or not self.run_ids):
            raise ValueError("give thread_id and run_ids, or a status")
        return self


class RunRead(BaseModel):
    run_id: uuid.UUID
    thread_id: uuid.UUID
    assistant_id: uuid.UUID
    created_at: datetime
    updated_at: datetime
    status: str
    metadata: dict[str, Any]
    multitask_strategy: str

    @classmethod
    def of(cls, row: Run) -> RunRead:
        return cls(
            run_id=row.id,
            thread_id=row.thread_id,
            assistant_id=row.assistant_id,
            created_at=row.created_at,
            updated_at=row.updated_at,
            status=row.status.value,
            metadata=row.metadata_,
            multitask_strategy=row.multitask_strategy,
        )
