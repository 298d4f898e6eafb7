"""The authenticated caller, as every endpoint and service sees it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Principal:
    """A user acting inside one tenant, with the roles and scopes of the credential used.

    ``key_id`` is set when the caller used an API key, so usage can be attributed to it.
    """

    user_id: uuid.UUID
    tenant_id: uuid.UUID
    roles: frozenset[str]
    scopes: frozenset[str] = field(default_factory=frozenset)
    key_id: uuid.UUID | None = None

    @property
    def is_admin(self) -> bool:
        return "admin" in self.roles

    def allows(self, scope: str) -> bool:
        """True when the credential carries ``scope`` (or ``admin``, which implies every scope)."""
        return scope in self.scopes or "admin" in self.scopes or self.is_admin
