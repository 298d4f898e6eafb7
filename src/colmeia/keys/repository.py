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
