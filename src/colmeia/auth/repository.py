"""SQL for login sessions (refresh-token families) and refresh tokens."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession

from colmeia.models import AuthSession, RefreshToken, User


class AuthSessionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, auth_session: AuthSession, token: RefreshToken) -> None:
        self.session.add(auth_session)
        await self.session.flush()
        token.session_id = auth_session.id
        self.session.add(token)
        await self.session.flush()

    async def add_token(self, token: RefreshToken) -> None:
        self.session.add(token)
        await self.session.flush()

    async def get_token(self, token_hash: str) -> tuple[RefreshToken, AuthSession, User] | None:
        statement = (
            select(RefreshToken, AuthSession, User)
            .join(AuthSession, AuthSession.id == RefreshToken.session_id)
            .join(User, User.id == AuthSession.user_id)
            .where(RefreshToken.token_hash == token_hash)
        )
        row = (await self.session.execute(statement)).first()
        return None if row is None else (row[0], row[1], row[2])

    async def mark_used(self, token_id: uuid.UUID, now: datetime) -> bool:
        """Claim a token for rotation; False when someone already used it (a replay)."""
        statement = (
            update(RefreshToken)
            .where(RefreshToken.id == token_id, RefreshToken.used_at.is_(None))
            .values(used_at=now)
        )
        result = await self.session.execute(statement)
        assert isinstance(result, CursorResult)
        return result.rowcount == 1

    async def revoke(self, session_id: uuid.UUID, now: datetime, reason: str) -> None:
        statement = (
            update(AuthSession)
            .where(AuthSession.id == session_id, AuthSession.revoked_at.is_(None))
            .values(revoked_at=now, revoked_reason=reason)
        )
        await self.session.execute(statement)

    async def revoke_all_for_user(self, user_id: uuid.UUID, now: datetime, reason: str) -> None:
        statement = (
            update(AuthSession)
            .where(AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None))
            .values(revoked_at=now, revoked_reason=reason)
        )
        await self.session.execute(statement)

    async def get_live_user(
        self, session_id: uuid.UUID, user_id: uuid.UUID, now: datetime
    ) -> User | None:
        """The active user behind a live, unrevoked session (checked on every JWT request)."""
        statement = (
            select(User)
            .join(AuthSession, AuthSession.user_id == User.id)
            .where(
                AuthSession.id == session_id,
                AuthSession.user_id == user_id,
                AuthSession.revoked_at.is_(None),
                AuthSession.expires_at > now,
                User.is_active.is_(True),
            )
        )
        return (await self.session.execute(statement)).scalar_one_or_none()
