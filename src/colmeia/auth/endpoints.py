"""``GET /me``: who the presented credential resolves to."""

from __future__ import annotations

from fastapi import APIRouter

from colmeia.auth.deps import CurrentPrincipal
from colmeia.auth.schemas import PrincipalRead

router = APIRouter(tags=["auth"])


@router.get("/me", response_model=PrincipalRead)
async def me(principal: CurrentPrincipal) -> PrincipalRead:
    return PrincipalRead(
        user_id=principal.user_id,
        tenant_id=principal.tenant_id,
        roles=sorted(principal.roles),
        scopes=sorted(principal.scopes),
        key_id=principal.key_id,
    )
