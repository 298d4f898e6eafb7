"""People: register, log in, rotate refresh tokens, log out, change passwords; and turning a
JWT access token into a `Principal`.

Every JWT request re-reads the user and its login session, so logout, password change,
deactivation and role changes take effect on the next request on every replica (well
inside the 60 s the contract allows), with no cache to disagree.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from colmeia.auth.passwords import hash_password, verify_password
from colmeia.auth.principal import Principal
from colmeia.auth.refresh import hash_refresh_token, looks_like_refresh_token, new_refresh_token
from colmeia.auth.repository import AuthSessionRepository
from colmeia.auth.tokens import AccessClaims, TokenCodec
from colmeia.errors import BadRequest, Unauthenticated
from colmeia.kit.time import utc_now
from colmeia.models import AuthSession, RefreshToken, Role, User
from colmeia.users.service import user as user_service


@dataclass(frozen=True, slots=True)
class TokenIssuer:
    """What issuing tokens needs, handed over by the composition root."""

    codec: TokenCodec
    pepper: bytes
    refresh_ttl: timedelta


@dataclass(frozen=True, slots=True)
class IssuedTokens:
    access_token: str
    refresh_token: str
    expires_in: int


class AuthService:
    async def register(
        self, session: AsyncSession, *, email: str, password: str, tenant: str | None
    ) -> User:
        """A new user with the user role, alone in a new tenant."""
        tenant_name = tenant or f"personal-{uuid.uuid4().hex[:12]}"
        return await user_service.create(
            session,
            email=email,
            tenant_name=tenant_name,
            role=Role.user,
            password_hash=await hash_password(password),
            new_tenant=True,
        )

    async def login(
        self, session: AsyncSession, issuer: TokenIssuer, *, email: str, password: str
    ) -> IssuedTokens:
        """Tokens for a good email/password; the same error and cost for a bad one."""
        found = await user_service.get_by_email(session, email)
        stored = found.password_hash if found is not None else None
        valid = await verify_password(password, stored)
        if found is None or not valid or not found.is_active:
            raise Unauthenticated("invalid email or password")
        return await self._start_session(session, issuer, found)

    async def _start_session(
        self, session: AsyncSession, issuer: TokenIssuer, user: User
    ) -> IssuedTokens:
        now = utc_now()
        auth_session = AuthSession(
            tenant_id=user.tenant_id, user_id=user.id, expires_at=now + issuer.refresh_ttl
        )
        refresh = new_refresh_token()
        token = RefreshToken(
            token_hash=hash_refresh_token(refresh, issuer.pepper),
            expires_at=now + issuer.refresh_ttl,
        )
        await AuthSessionRepository(session).add(auth_session, token)
        return self._tokens(issuer, user, auth_session.id, refresh)

    def _tokens(
        self, issuer: TokenIssuer, user: User, session_id: uuid.UUID, refresh: str
    ) -> IssuedTokens:
        access = issuer.codec.issue(user.id, user.tenant_id, session_id)
        return IssuedTokens(access, refresh, int(issuer.codec.ttl.total_seconds()))

    async def refresh(
        self, session: AsyncSession, issuer: TokenIssuer, presented: str
    ) -> IssuedTokens | None:
        """Rotate a refresh token. None when it is unusable; a replayed (already rotated)
        token also revokes its whole family, since one of its holders is a thief.

        The caller commits before answering 401, so the revocation sticks.
        """
        if not looks_like_refresh_token(presented):
            return None
        repository = AuthSessionRepository(session)
        found = await repository.get_token(hash_refresh_token(presented, issuer.pepper))
        if found is None:
            return None
        token, auth_session, user = found
        now = utc_now()
        if auth_session.revoked_at is not None or not user.is_active:
            return None
        if token.expires_at <= now or auth_session.expires_at <= now:
            return None
        if token.used_at is not None or not await repository.mark_used(token.id, now):
            await repository.revoke(auth_session.id, now, "refresh_token_reuse")
            return None
        rotated = new_refresh_token()
        await repository.add_token(
            RefreshToken(
                session_id=auth_session.id,
                token_hash=hash_refresh_token(rotated, issuer.pepper),
                expires_at=min(now + issuer.refresh_ttl, auth_session.expires_at),
            )
        )
        return self._tokens(issuer, user, auth_session.id, rotated)

    async def logout(self, session: AsyncSession, principal: Principal) -> None:
        """End the caller's login session: its access and refresh tokens stop working."""
        if principal.session_id is None:
            raise BadRequest("logout ends a login session; revoke API keys with DELETE /keys/{id}")
        await AuthSessionRepository(session).revoke(principal.session_id, utc_now(), "logout")

    async def change_password(
        self, session: AsyncSession, principal: Principal, *, current: str, new: str
    ) -> None:
        """Set a new password and end every login session of the user."""
        user = await user_service.get(session, principal.user_id)
        if not await verify_password(current, user.password_hash):
            raise Unauthenticated("the current password is wrong")
        await user_service.set_password_hash(session, user, await hash_password(new))
        await AuthSessionRepository(session).revoke_all_for_user(
            user.id, utc_now(), "password_change"
        )

    async def principal_for(self, session: AsyncSession, claims: AccessClaims) -> Principal | None:
        """The principal behind verified claims, or None when its session or user is gone."""
        user = await AuthSessionRepository(session).get_live_user(
            claims.session_id, claims.user_id, utc_now()
        )
        if user is None or user.tenant_id != claims.tenant_id:
            return None
        return Principal(
            user_id=user.id,
            tenant_id=user.tenant_id,
            roles=frozenset({user.role.value}),
            session_id=claims.session_id,
        )


auth = AuthService()
