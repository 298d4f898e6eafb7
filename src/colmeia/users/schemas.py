"""Shapes for the user administration routes."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from colmeia.models import Role

EMAIL_PATTERN = r"^[^@\s]{1,64}@[^@\s]{1,255}$"


class UserRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    tenant_id: uuid.UUID
    email: str
    role: Role
    is_active: bool
    created_at: datetime


class UserCreate(BaseModel):
    email: str = Field(pattern=EMAIL_PATTERN, max_length=320)
    password: str | None = Field(default=None, min_length=10, max_length=256)
    tenant: str = Field(default="default", min_length=1, max_length=200)
    role: Role = Role.user


class UserUpdate(BaseModel):
    role: Role | None = None
    is_active: bool | None = None
