"""SQL for tenants and users."""

from __future__ import annotations

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

    async def get_by_email(self, email: str) -> User | None:
        statement = select(User).where(User.email == email)
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def first_admin(self) -> User | None:
        statement = select(User).where(User.role == Role.admin).order_by(User.created_at).limit(1)
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def count(self) -> int:
        return (await self.session.execute(select(func.count(User.id)))).scalar_one()


class TenantRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get_or_create(self, name: str) -> Tenant:
        statement = select(Tenant).where(Tenant.name == name)
        tenant = (await self.session.execute(statement)).scalar_one_or_none()
        if tenant is None:
            tenant = Tenant(name=name)
            self.session.add(tenant)
            await self.session.flush()
        return tenant
