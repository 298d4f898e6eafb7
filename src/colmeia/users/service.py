"""Creating users, and the first admin that ``colmeia up`` needs."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from colmeia.errors import Conflict
from colmeia.models import Role, User
from colmeia.users.repository import TenantRepository, UserRepository


class UserService:
    async def create(
        self, session: AsyncSession, *, email: str, tenant_name: str, role: Role = Role.user
    ) -> User:
        """A new user in ``tenant_name`` (created when new); emails are unique across tenants."""
        email = email.strip().lower()
        users = UserRepository(session)
        if await users.get_by_email(email) is not None:
            raise Conflict(f"a user with email {email} already exists")
        tenant = await TenantRepository(session).get_or_create(tenant_name)
        return await users.add(User(tenant_id=tenant.id, email=email, role=role))

    async def get_by_email(self, session: AsyncSession, email: str) -> User | None:
        return await UserRepository(session).get_by_email(email.strip().lower())

    async def first_admin(self, session: AsyncSession) -> User | None:
        return await UserRepository(session).first_admin()


user = UserService()
