"""Issuing API keys and turning a presented key into a `Principal`."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from colmeia.auth.principal import Principal
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
        await repository.touch(key.id, now, LAST_USED_RESOLUTION)
        return Principal(
            user_id=user.id,
            tenant_id=key.tenant_id,
            roles=frozenset({user.role.value}),
            scopes=frozenset(key.scopes),
            key_id=key.id,
        )


key = KeyService()
