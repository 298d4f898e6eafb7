"""Agent Protocol shapes for the store."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from colmeia.models import StoreItem

# Any (below): item values and filters are free-form JSON objects.


def _labels(value: list[str]) -> list[str]:
    for label in value:
        if not label or "." in label:
            raise ValueError("namespace labels must be non-empty and must not contain '.'")
    return value


Namespace = Annotated[list[str], AfterValidator(_labels)]
MAX_TTL_MINUTES = 60 * 24 * 365 * 100  # a century: anything longer is a mistake, not a TTL


class ItemPut(BaseModel):
    model_config = ConfigDict(extra="ignore")

    namespace: Annotated[Namespace, Field(min_length=1)]
    key: str = Field(min_length=1, max_length=500)
    value: dict[str, Any]
    index: Any = None
    ttl: float | None = Field(default=None, gt=0, le=MAX_TTL_MINUTES)
    """Minutes, as in LangGraph."""


class ItemRef(BaseModel):
    model_config = ConfigDict(extra="ignore")

    namespace: Annotated[Namespace, Field(min_length=1)]
    key: str = Field(min_length=1, max_length=500)


class ItemSearch(BaseModel):
    model_config = ConfigDict(extra="ignore")

    namespace_prefix: Namespace = Field(default_factory=list)
    filter: dict[str, Any] | None = None
    limit: int = Field(default=10, ge=1, le=1000)
    offset: int = Field(default=0, ge=0)
    query: str | None = None
    refresh_ttl: bool | None = None


class NamespaceSearch(BaseModel):
    model_config = ConfigDict(extra="ignore")

    prefix: Namespace | None = None
    suffix: Namespace | None = None
    max_depth: int | None = Field(default=None, ge=1)
    limit: int = Field(default=100, ge=1, le=1000)
    offset: int = Field(default=0, ge=0)


class ItemRead(BaseModel):
    namespace: list[str]
    key: str
    value: dict[str, Any]
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, row: StoreItem) -> ItemRead:
        return cls(
            namespace=row.namespace.split("."),
            key=row.key,
            value=row.value,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )


class SearchResult(BaseModel):
    items: list[ItemRead]


class NamespaceList(BaseModel):
    namespaces: list[list[str]]
