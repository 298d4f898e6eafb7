"""Request and response shapes for the authentication routes."""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import BaseModel, Field

from colmeia.auth.passwords import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH

EMAIL_PATTERN = r"^[^@\s]{1,64}@[^@\s]{1,255}$"


class PrincipalRead(BaseModel):
    user_id: uuid.UUID
    tenant_id: uuid.UUID
    roles: list[str]
    scopes: list[str]
    key_id: uuid.UUID | None


class Login(BaseModel):
    email: str = Field(max_length=320)
    password: str = Field(max_length=MAX_PASSWORD_LENGTH)


class Register(BaseModel):
    email: str = Field(pattern=EMAIL_PATTERN, max_length=320)
    password: str = Field(min_length=MIN_PASSWORD_LENGTH, max_length=MAX_PASSWORD_LENGTH)
    tenant: str | None = Field(default=None, min_length=1, max_length=200)
    """Name of the new tenant to create (a fresh one when omitted); never joins an existing one."""


class Refresh(BaseModel):
    refresh_token: str = Field(max_length=256)


class PasswordChange(BaseModel):
    current_password: str = Field(max_length=MAX_PASSWORD_LENGTH)
    new_password: str = Field(min_length=MIN_PASSWORD_LENGTH, max_length=MAX_PASSWORD_LENGTH)


class TokenPair(BaseModel):
    access_token: str
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int
