"""SQL for API keys."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from colmeia.models import APIKey, User


class APIKeyRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, key: APIKey) -> APIKey:
        self.session.add(key)
        await self.session.flush()
        return key

    async def get_active_by_hash(self, key_hash: str, now: datetime) -> tuple[APIKey, User] | None:
        """The live key with this hash and its owner, when both are usable right now."""
        statement = (
            select(APIKey, User)
            .join(User, User.id == APIKey.user_id)
            .where(
                APIKey.key_hash == key_hash,
                APIKey.revoked_at.is_(None),
                or_(APIKey.expires_at.is_(None), APIKey.expires_at > now),
                User.is_active.is_(True),
            )
        )
        row = (await self.session.execute(statement)).first()
        return None if row is None else (row[0], row[1])

    async def exists_with_hash(self, key_hash: str) -> bool:
        statement = select(APIKey.id).where(APIKey.key_hash == key_hash)
        return (await self.session.execute(statement)).first() is not None

    async def touch(self, key_id: uuid.UUID, now: datetime, every: timedelta) -> None:
        """Record use at most once per ``every``, so a busy key does not write on each call."""
        statement = (
            update(APIKey)
            .where(
                APIKey.id == key_id,
                or_(APIKey.last_used_at.is_(None), APIKey.last_used_at < now - every),
            )
            .values(last_used_at=now)
        )
        await self.session.execute(statement)

    async def list_for_owner(self, tenant_id: uuid.UUID, user_id: uuid.UUID) -> list[APIKey]:
        statement = (
            select(APIKey)
            .where(APIKey.tenant_id == tenant_id, APIKey.user_id == user_id)
            .order_by(APIKey.created_at, APIKey.id)
        )
        return list((await self.session.execute(statement)).scalars())

    async def get_owned(
        self, key_id: uuid.UUID, tenant_id: uuid.UUID, user_id: uuid.UUID
    ) -> APIKey | None:
        """The key when it belongs to this user of this tenant; None otherwise (404, not 403)."""
        statement = select(APIKey).where(
            APIKey.id == key_id, APIKey.tenant_id == tenant_id, APIKey.user_id == user_id
        )
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def get(self, key_id: uuid.UUID) -> APIKey | None:
        return await self.session.get(APIKey, key_id)

    async def list_all(self, *, user_id: uuid.UUID | None, limit: int, offset: int) -> list[APIKey]:
        statement = select(APIKey).order_by(APIKey.created_at, APIKey.id).limit(limit)
        if user_id is not None:
            statement = statement.where(APIKey.user_id == user_id)
        return list((await self.session.execute(statement.offset(offset))).scalars())
