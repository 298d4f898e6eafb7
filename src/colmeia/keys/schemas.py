"""Shapes for the API-key routes. The key itself appears once, in `KeyCreated`."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from colmeia.limits.policy import parse_limit

SCOPE_PATTERN = r"^[a-z][a-z0-9_.:-]{0,63}$"
Scope = Annotated[str, StringConstraints(pattern=SCOPE_PATTERN)]


def _check_limit(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        parse_limit(value)
    except ValueError:
        raise ValueError("must look like 100/minute, 10/second or 5000/hour") from None
    return value


class KeyRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    user_id: uuid.UUID
    tenant_id: uuid.UUID
    name: str
    prefix: str
    scopes: list[str]
    rate_limit: str | None
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None
    created_at: datetime


class KeyCreated(KeyRead):
    key: str
    """The only time the key is shown; store it now."""


class KeyCreate(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    scopes: list[Scope] = Field(default_factory=list, max_length=32)
    expires_in_days: int | None = Field(default=None, ge=1, le=3650)


class KeyUpdate(BaseModel):
    rate_limit: str | None = Field(default=None, max_length=64)
    revoke: bool = False

    @field_validator("rate_limit")
    @classmethod
    def _limit(cls, value: str | None) -> str | None:
        return _check_limit(value)
