"""Agent Protocol shapes for assistants, named as ``langgraph-sdk`` sends and reads them."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from colmeia.models import Assistant, AssistantVersion

# Any (below): config, context and metadata are free-form JSON objects in the protocol.


class AssistantCreate(BaseModel):
    model_config = ConfigDict(extra="ignore")

    graph_id: str = Field(min_length=1, max_length=200)
    assistant_id: uuid.UUID | None = None
    config: dict[str, Any] = Field(default_factory=dict)
    context: dict[str, Any] = Field(default_factory=dict)
    metadata: dict[str, Any] = Field(default_factory=dict)
    if_exists: Literal["raise", "do_nothing"] = "raise"
    name: str | None = Field(default=None, max_length=200)
    description: str | None = None


class AssistantUpdate(BaseModel):
    model_config = ConfigDict(extra="ignore")

    graph_id: str | None = Field(default=None, min_length=1, max_length=200)
    config: dict[str, Any] | None = None
    context: dict[str, Any] | None = None
    metadata: dict[str, Any] | None = None
    name: str | None = Field(default=None, max_length=200)
    description: str | None = None


class AssistantSearch(BaseModel):
    model_config = ConfigDict(extra="ignore")

    metadata: dict[str, Any] | None = None
    graph_id: str | None = None
    name: str | None = None
    limit: int = Field(default=10, ge=1, le=1000)
    offset: int = Field(default=0, ge=0)
    sort_by: Literal["assistant_id", "graph_id", "name", "created_at", "updated_at"] | None = None
    sort_order: Literal["asc", "desc"] | None = None


class AssistantCount(BaseModel):
    model_config = ConfigDict(extra="ignore")

    metadata: dict[str, Any] | None = None
    graph_id: str | None = None
    name: str | None = None


class VersionSearch(BaseModel):
    metadata: dict[str, Any] | None = None
    limit: int = Field(default=10, ge=1, le=1000)
    offset: int = Field(default=0, ge=0)


class SetLatest(BaseModel):
    version: int = Field(ge=1)


class AssistantRead(BaseModel):
    assistant_id: uuid.UUID
    graph_id: str
    config: dict[str, Any]
    context: dict[str, Any]
    metadata: dict[str, Any]
    name: str
    description: str | None
    version: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, row: Assistant) -> AssistantRead:
        return cls(
            assistant_id=row.id,
            graph_id=row.graph_id,
            config=row.config,
            context=row.context,
            metadata=row.metadata_,
            name=row.name,
            description=row.description,
            version=row.version,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )


class AssistantVersionRead(BaseModel):
    assistant_id: uuid.UUID
    graph_id: str
    config: dict[str, Any]
    context: dict[str, Any]
    metadata: dict[str, Any]
    name: str
    description: str | None
    version: int
    created_at: datetime

    @classmethod
    def of(cls, row: AssistantVersion) -> AssistantVersionRead:
        return cls(
            assistant_id=row.assistant_id,
            graph_id=row.graph_id,
            config=row.config,
            context=row.context,
            metadata=row.metadata_,
            name=row.name,
            description=row.description,
            version=row.version,
            created_at=row.created_at,
        )
