"""User administration under ``/admin/users``: the one cross-tenant surface, admins only."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Query, status

from colmeia.auth.deps import AdminPrincipal, ForgetPrincipals
from colmeia.auth.passwords import hash_password
from colmeia.deps import SessionDep
from colmeia.users.schemas import UserCreate, UserRead, UserUpdate
from colmeia.users.service import user as user_service

router = APIRouter(prefix="/admin/users", tags=["admin"])


@router.get("", response_model=list[UserRead])
async def list_users(
    _: AdminPrincipal,
    session: SessionDep,
    tenant_id: uuid.UUID | None = None,
    limit: int = Query(default=100, ge=1, le=1000),
    offset: int = Query(default=0, ge=0),
) -> list[UserRead]:
    users = await user_service.list(session, tenant_id=tenant_id, limit=limit, offset=offset)
    return [UserRead.model_validate(user) for user in users]


@router.post("", response_model=UserRead, status_code=status.HTTP_201_CREATED)
async def create(body: UserCreate, _: AdminPrincipal, session: SessionDep) -> UserRead:
    password_hash = await hash_password(body.password) if body.password else None
    created = await user_service.create(
        session,
        email=body.email,
        tenant_name=body.tenant,
        role=body.role,
        password_hash=password_hash,
    )
    return UserRead.model_validate(created)


@router.get("/{user_id}", response_model=UserRead)
async def get(user_id: uuid.UUID, _: AdminPrincipal, session: SessionDep) -> UserRead:
    return UserRead.model_validate(await user_service.get(session, user_id))


@router.patch("/{user_id}", response_model=UserRead, dependencies=[ForgetPrincipals])
async def update(
    user_id: uuid.UUID, body: UserUpdate, _: AdminPrincipal, session: SessionDep
) -> UserRead:
    updated = await user_service.update(session, user_id, role=body.role, is_active=body.is_active)
    return UserRead.model_validate(updated)
