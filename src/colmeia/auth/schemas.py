"""Response shapes for the authentication routes."""

from __future__ import annotations

import uuid

from pydantic import BaseModel


class PrincipalRead(BaseModel):
    user_id: uuid.UUID
    tenant_id: uuid.UUID
    roles: list[str]
    scopes: list[str]
    key_id: uuid.UUID | None
