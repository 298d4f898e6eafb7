"""What ``colmeia admin …`` does, composed from the users and keys services."""

from __future__ import annotations

from datetime import timedelta

from colmeia.auth.secret import server_pepper
from colmeia.config import Settings
from colmeia.db import Sessionmaker, create_engine, make_sessionmaker, unit_of_work
from colmeia.errors import NotFound
from colmeia.keys.service import key as key_service
from colmeia.kit.time import utc_now
from colmeia.models import Role
from colmeia.users.service import user as user_service


async def create_user(settings: Settings, *, email: str, tenant: str, admin: bool) -> str:
    """Create a user; returns its email as stored."""
    engine = create_engine(settings.database_url)
    sessionmaker: Sessionmaker = make_sessionmaker(engine)
    try:
        async with unit_of_work(sessionmaker) as session:
            created = await user_service.create(
                session, email=email, tenant_name=tenant, role=Role.admin if admin else Role.user
            )
            return created.email
    finally:
        await engine.dispose()


async def create_key(
    settings: Settings,
    *,
    email: str,
    name: str,
    scopes: list[str],
    expires_in: timedelta | None,
) -> str:
    """Create a key for the user with ``email``; returns the plaintext (shown once)."""
    engine = create_engine(settings.database_url)
    try:
        async with unit_of_work(make_sessionmaker(engine)) as session:
            owner = await user_service.get_by_email(session, email)
            if owner is None:
                raise NotFound(f"no user with email {email}")
            expires_at = utc_now() + expires_in if expires_in else None
            _, material = await key_service.create(
                session,
                owner,
                name=name,
                scopes=scopes,
                pepper=server_pepper(settings),
                expires_at=expires_at,
            )
            return material.plaintext
    finally:
        await engine.dispose()
