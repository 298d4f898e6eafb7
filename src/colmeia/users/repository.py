"""SQL for tenants and users."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from colmeia.models import Role, Tenant, User


class UserRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, user: User) -> User:
        self.session.add(user)
        await self.session.flush()
        return user

    async def get(self, user_id: uuid.UUID) -> User | None:
        return await self.session.get(User, user_id)

    async def get_by_email(self, email: str) -> User | None:
        statement = select(User).where(User.email == email)
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def first_admin(self) -> User | None:
        statement = (
            select(User)
            .where(User.role == Role.admin, User.is_active.is_(True))
            .order_by(User.created_at)
            .limit(1)
        )
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def count(self) -> int:
        return (await self.session.execute(select(func.count(User.id)))).scalar_one()

    async def list(self, *, tenant_id: uuid.UUID | None, limit: int, offset: int) -> list[User]:
        """Users across tenants (admin surface), optionally narrowed to one tenant."""
        statement = select(User).order_by(User.created_at, User.id).limit(limit).offset(offset)
        if tenant_id is not None:
            statement = statement.where(User.tenant_id == tenant_id)
        return list((await self.session.execute(statement)).scalars())


class TenantRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, tenant_id: uuid.UUID) -> Tenant | None:
        return await self.session.get(Tenant, tenant_id)

    async def get_by_name(self, name: str) -> Tenant | None:
        statement = select(Tenant).where(Tenant.name == name)
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def get_or_create(self, name: str) -> Tenant:
        tenant = await self.get_by_name(name)
        if tenant is None:
            tenant = Tenant(name=name)
            self.session.add(tenant)
            await self.session.flush()
        return tenant
