"""Creating and administering users, and the first admin that ``colmeia up`` needs."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from colmeia.errors import Conflict, NotFound
from colmeia.models import Role, User
from colmeia.users.repository import TenantRepository, UserRepository


class UserNotFound(NotFound):
    def __init__(self, user_id: uuid.UUID) -> None:
        super().__init__(f"user {user_id} does not exist")


class UserService:
    async def create(
        self,
        session: AsyncSession,
        *,
        email: str,
        tenant_name: str,
        role: Role = Role.user,
        password_hash: str | None = None,
        new_tenant: bool = False,
    ) -> User:
        """A new user in ``tenant_name`` (created when new); emails are unique across tenants.

        ``new_tenant`` refuses to join an existing tenant: self-registration must never let a
        stranger into someone else's tenant by guessing its name.
        """
        email = email.strip().lower()
        users = UserRepository(session)
        if await users.get_by_email(email) is not None:
            raise Conflict(f"a user with email {email} already exists")
        tenants = TenantRepository(session)
        if new_tenant and await tenants.get_by_name(tenant_name) is not None:
            raise Conflict(f"tenant {tenant_name} already exists")
        tenant = await tenants.get_or_create(tenant_name)
        user = User(tenant_id=tenant.id, email=email, role=role, password_hash=password_hash)
        return await users.add(user)

    async def get(self, session: AsyncSession, user_id: uuid.UUID) -> User:
        user = await UserRepository(session).get(user_id)
        if user is None:
            raise UserNotFound(user_id)
        return user

    async def tenant_exists(self, session: AsyncSession, tenant_id: uuid.UUID) -> bool:
        return await TenantRepository(session).get(tenant_id) is not None

    async def get_by_email(self, session: AsyncSession, email: str) -> User | None:
        return await UserRepository(session).get_by_email(email.strip().lower())

    async def first_admin(self, session: AsyncSession) -> User | None:
        return await UserRepository(session).first_admin()

    async def list(
        self,
        session: AsyncSession,
        *,
        tenant_id: uuid.UUID | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[User]:
        """Every user (admin only: the one cross-tenant listing)."""
        return await UserRepository(session).list(tenant_id=tenant_id, limit=limit, offset=offset)

    async def update(
        self,
        session: AsyncSession,
        user_id: uuid.UUID,
        *,
        role: Role | None = None,
        is_active: bool | None = None,
    ) -> User:
        """Change a role or (de)activate; effective on the next request on every replica,
        because each request re-reads the user."""
        user = await self.get(session, user_id)
        if role is not None:
            user.role = role
        if is_active is not None:
            user.is_active = is_active
        await session.flush()
        return user

    async def set_password_hash(
        self, session: AsyncSession, user: User, password_hash: str
    ) -> None:
        user.password_hash = password_hash
        await session.flush()


user = UserService()
