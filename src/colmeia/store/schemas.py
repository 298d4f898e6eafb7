"""Agent Protocol shapes for the store."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from langgraph.store.base import Item, SearchItem
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

# Any (below): item values and filters are free-form JSON objects.


def labels(value: list[str]) -> list[str]:
    """LangGraph's rules for namespace labels, checked before the store would refuse them."""
    for label in value:
        if not label or "." in label or "\x00" in label:
            raise ValueError("namespace labels must be non-empty and contain no '.' or NUL")
    return value


def _own_root(value: list[str]) -> list[str]:
    if value and value[0] == "langgraph":
        raise ValueError("the root label 'langgraph' is reserved")
    return value


Namespace = Annotated[list[str], AfterValidator(labels)]
MAX_TTL_MINUTES = 60 * 24 * 365 * 100  # a century: anything longer is a mistake, not a TTL


class ItemPut(BaseModel):
    model_config = ConfigDict(extra="ignore")

    namespace: Annotated[Namespace, Field(min_length=1), AfterValidator(_own_root)]
    key: str = Field(min_length=1, max_length=500)
    value: dict[str, Any]
    index: Literal[False] | list[str] | None = None
    """Which fields to embed for semantic search (LangGraph's own ``index`` argument)."""
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
    def of(cls, item: Item) -> ItemRead:
        return cls(
            namespace=list(item.namespace),
            key=item.key,
            value=item.value,
            created_at=item.created_at,
            updated_at=item.updated_at,
        )


class SearchItemRead(ItemRead):
    score: float | None = None
    """Similarity to the search's ``query`` (None when the store ranks nothing)."""

    @classmethod
    def of_search(cls, item: SearchItem) -> SearchItemRead:
        return cls(**ItemRead.of(item).model_dump(), score=item.score)


class SearchResult(BaseModel):
    items: list[SearchItemRead]


class NamespaceList(BaseModel):
    namespaces: list[list[str]]
