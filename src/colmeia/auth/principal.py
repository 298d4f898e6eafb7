"""The authenticated caller, as every endpoint and service sees it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Principal:
    """A user acting inside one tenant, with the roles and scopes of the credential used.

    ``key_id`` is set when the caller used an API key, so usage can be attributed to it;
    ``session_id`` when the caller used a JWT access token from a login session.
    """

    user_id: uuid.UUID
    tenant_id: uuid.UUID
    roles: frozenset[str]
    scopes: frozenset[str] = field(default_factory=frozenset)
    key_id: uuid.UUID | None = None
    session_id: uuid.UUID | None = None
    rate_limit: str | None = None
    """The key's own rate limit (``"100/minute"``), overriding its role's default."""

    @property
    def is_admin(self) -> bool:
        return "admin" in self.roles

    def allows(self, scope: str) -> bool:
        """True when the credential carries ``scope``.

        ``admin`` implies every scope; a person's login session carries every scope its role
        permits; the ``admin`` scope itself needs the admin role, whatever a key says.
        """
        if scope == "admin":
            return self.is_admin
        if self.is_admin or self.session_id is not None:
            return True
        return scope in self.scopes or "admin" in self.scopes
