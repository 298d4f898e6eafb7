"""First-start seeding: the admin that ``colmeia up`` creates and the operator's seeded key."""

from __future__ import annotations

from dataclasses import dataclass

from colmeia.db import Sessionmaker, unit_of_work
from colmeia.keys.service import key as key_service
from colmeia.models import Role
from colmeia.users.service import user as user_service

ADMIN_EMAIL = "admin@colmeia.local"
DEFAULT_TENANT = "default"


@dataclass(frozen=True)
class SeedResult:
    created_admin: bool
    new_key: str | None
    """Plaintext of a key created now (print it once), else None."""


async def seed_admin(
    sessionmaker: Sessionmaker, pepper: bytes, seeded_key: str | None = None
) -> SeedResult:
    """Create the first admin and its key when there is none; register ``seeded_key`` if given.

    Idempotent: on later starts it creates nothing, and an already registered seeded key is
    left alone, so restarts never print or change keys.
    """
    async with unit_of_work(sessionmaker) as session:
        admin = await user_service.first_admin(session)
        created = admin is None
        if admin is None:
            admin = await user_service.create(
                session, email=ADMIN_EMAIL, tenant_name=DEFAULT_TENANT, role=Role.admin
            )
        new_key: str | None = None
        if seeded_key is not None:
            if not await key_service.exists(session, seeded_key, pepper):
                await key_service.create(
                    session,
                    admin,
                    name="seeded admin key",
                    scopes=["admin"],
                    pepper=pepper,
                    plaintext=seeded_key,
                )
        elif created:
            _, material = await key_service.create(
                session, admin, name="first admin key", scopes=["admin"], pepper=pepper
            )
            new_key = material.plaintext
    return SeedResult(created_admin=created, new_key=new_key)
