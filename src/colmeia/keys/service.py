"""Issuing API keys and turning a presented key into a `Principal`."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from colmeia.auth.principal import Principal
from colmeia.errors import NotFound
from colmeia.keys.material import KeyMaterial, generate_key, hash_key, looks_like_key
from colmeia.keys.repository import APIKeyRepository
from colmeia.kit.time import utc_now
from colmeia.models import APIKey, User

LAST_USED_RESOLUTION = timedelta(minutes=1)


class KeyService:
    async def create(
        self,
        session: AsyncSession,
        owner: User,
        *,
        name: str,
        scopes: list[str],
        pepper: bytes,
        expires_at: datetime | None = None,
        plaintext: str | None = None,
        rate_limit: str | None = None,
    ) -> tuple[APIKey, KeyMaterial]:
        """Store a new key for ``owner``; the returned plaintext is the only copy there will be."""
        material = generate_key(pepper, plaintext)
        key = APIKey(
            tenant_id=owner.tenant_id,
            user_id=owner.id,
            name=name,
            prefix=material.prefix,
            key_hash=material.key_hash,
            scopes=scopes,
            expires_at=expires_at,
            rate_limit=rate_limit,
        )
        return await APIKeyRepository(session).add(key), material

    async def exists(self, session: AsyncSession, plaintext: str, pepper: bytes) -> bool:
        return await APIKeyRepository(session).exists_with_hash(hash_key(plaintext, pepper))

    async def authenticate(
        self, session: AsyncSession, presented: str, pepper: bytes
    ) -> Principal | None:
        """The principal behind a presented key, or None for anything unknown, expired or revoked.

        The lookup is by keyed hash, so timing reveals nothing about stored keys.
        """
        if not looks_like_key(presented):
            return None
        now = utc_now()
        repository = APIKeyRepository(session)
        found = await repository.get_active_by_hash(hash_key(presented, pepper), now)
        if found is None:
            return None
        key, user = found
        if key.last_used_at is None or key.last_used_at < now - LAST_USED_RESOLUTION:
            # Checked here first so a busy key's requests stay read-only: an UPDATE that matches
            # nothing still takes SQLite's write lock and queues behind every writer.
            await repository.touch(key.id, now, LAST_USED_RESOLUTION)
        return Principal(
            user_id=user.id,
            tenant_id=key.tenant_id,
            roles=frozenset({user.role.value}),
            scopes=frozenset(key.scopes),
            key_id=key.id,
            rate_limit=key.rate_limit,
        )

    async def list_own(self, session: AsyncSession, principal: Principal) -> list[APIKey]:
        """The caller's own keys (display prefix only; the key itself is never stored)."""
        return await APIKeyRepository(session).list_for_owner(
            principal.tenant_id, principal.user_id
        )

    async def revoke_own(
        self, session: AsyncSession, principal: Principal, key_id: uuid.UUID
    ) -> APIKey:
        """Revoke one of the caller's keys; effective on the next request on every replica."""
        key = await APIKeyRepository(session).get_owned(
            key_id, principal.tenant_id, principal.user_id
        )
        if key is None:
            raise KeyNotFound(key_id)
        return await self._revoke(session, key)

    async def _revoke(self, session: AsyncSession, key: APIKey) -> APIKey:
        if key.revoked_at is None:
            key.revoked_at = utc_now()
            await session.flush()
        return key

    async def get_any(self, session: AsyncSession, key_id: uuid.UUID) -> APIKey:
        """Any tenant's key (admin surface only)."""
        key = await APIKeyRepository(session).get(key_id)
        if key is None:
            raise KeyNotFound(key_id)
        return key

    async def list_any(
        self,
        session: AsyncSession,
        *,
        user_id: uuid.UUID | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[APIKey]:
        """Keys across tenants (admin surface only)."""
        return await APIKeyRepository(session).list_all(user_id=user_id, limit=limit, offset=offset)

    async def update_any(
        self,
        session: AsyncSession,
        key_id: uuid.UUID,
        *,
        rate_limit: str | None,
        revoke: bool,
    ) -> APIKey:
        """Set a key's own rate limit or revoke it (admin surface only)."""
        key = await self.get_any(session, key_id)
        key.rate_limit = rate_limit
        await session.flush()
        return await self._revoke(session, key) if revoke else key


class KeyNotFound(NotFound):
    def __init__(self, key_id: uuid.UUID) -> None:
        super().__init__(f"API key {key_id} does not exist")


key = KeyService()
