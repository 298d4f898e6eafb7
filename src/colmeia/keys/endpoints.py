"""API keys: a user manages their own; admins see and change anyone's under ``/admin/keys``."""

from __future__ import annotations

import uuid
from datetime import timedelta

from fastapi import APIRouter, Query, Request, Response, status

from colmeia.auth.deps import AdminPrincipal, CurrentPrincipal, ForgetPrincipals
from colmeia.deps import SessionDep
from colmeia.errors import Forbidden
from colmeia.keys.schemas import KeyCreate, KeyCreated, KeyRead, KeyUpdate
from colmeia.keys.service import key as key_service
from colmeia.kit.time import utc_now
from colmeia.users.service import user as user_service

router = APIRouter(tags=["keys"])


@router.post("/keys", response_model=KeyCreated, status_code=status.HTTP_201_CREATED)
async def create(
    body: KeyCreate, request: Request, principal: CurrentPrincipal, session: SessionDep
) -> KeyCreated:
    if "admin" in body.scopes and not principal.allows("admin"):
        raise Forbidden("only admins can create keys with the admin scope")
    owner = await user_service.get(session, principal.user_id)
    expires_at = utc_now() + timedelta(days=body.expires_in_days) if body.expires_in_days else None
    created, material = await key_service.create(
        session,
        owner,
        name=body.name,
        scopes=sorted(set(body.scopes)),
        pepper=request.state.key_pepper,
        expires_at=expires_at,
    )
    return KeyCreated.model_validate(
        {**KeyRead.model_validate(created).model_dump(), "key": material.plaintext}
    )


@router.get("/keys", response_model=list[KeyRead])
async def list_own(principal: CurrentPrincipal, session: SessionDep) -> list[KeyRead]:
    keys = await key_service.list_own(session, principal)
    return [KeyRead.model_validate(key) for key in keys]


@router.delete(
    "/keys/{key_id}", status_code=status.HTTP_204_NO_CONTENT, dependencies=[ForgetPrincipals]
)
async def revoke(key_id: uuid.UUID, principal: CurrentPrincipal, session: SessionDep) -> Response:
    await key_service.revoke_own(session, principal, key_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/admin/keys", response_model=list[KeyRead])
async def admin_list(
    _: AdminPrincipal,
    session: SessionDep,
    user_id: uuid.UUID | None = None,
    limit: int = Query(default=100, ge=1, le=1000),
    offset: int = Query(default=0, ge=0),
) -> list[KeyRead]:
    keys = await key_service.list_any(session, user_id=user_id, limit=limit, offset=offset)
    return [KeyRead.model_validate(key) for key in keys]


@router.patch("/admin/keys/{key_id}", response_model=KeyRead, dependencies=[ForgetPrincipals])
async def admin_update(
    key_id: uuid.UUID, body: KeyUpdate, _: AdminPrincipal, session: SessionDep
) -> KeyRead:
    updated = await key_service.update_any(
        session, key_id, rate_limit=body.rate_limit, revoke=body.revoke
    )
    return KeyRead.model_validate(updated)
