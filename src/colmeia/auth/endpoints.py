"""``/me`` and the people routes: register, login, refresh, logout, password change."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status

from colmeia.auth.deps import AnonymousLimit, CurrentPrincipal, ForgetPrincipals, token_issuer
from colmeia.auth.schemas import Login, PasswordChange, PrincipalRead, Refresh, Register, TokenPair
from colmeia.auth.service import IssuedTokens
from colmeia.auth.service import auth as auth_service
from colmeia.db import unit_of_work
from colmeia.deps import SessionDep, get_sessionmaker
from colmeia.errors import Forbidden, Unauthenticated
from colmeia.users.schemas import UserRead

router = APIRouter(tags=["auth"])
public = APIRouter(prefix="/auth", tags=["auth"], dependencies=[AnonymousLimit])


def _pair(tokens: IssuedTokens) -> TokenPair:
    return TokenPair(
        access_token=tokens.access_token,
        refresh_token=tokens.refresh_token,
        expires_in=tokens.expires_in,
    )


@router.get("/me", response_model=PrincipalRead)
async def me(principal: CurrentPrincipal) -> PrincipalRead:
    return PrincipalRead(
        user_id=principal.user_id,
        tenant_id=principal.tenant_id,
        roles=sorted(principal.roles),
        scopes=sorted(principal.scopes),
        key_id=principal.key_id,
    )


@public.post("/register", response_model=UserRead, status_code=status.HTTP_201_CREATED)
async def register(body: Register, request: Request, session: SessionDep) -> UserRead:
    if not request.state.open_registration:
        raise Forbidden("registration is closed: an admin creates users with POST /admin/users")
    user = await auth_service.register(
        session, email=body.email, password=body.password, tenant=body.tenant
    )
    return UserRead.model_validate(user)


@public.post("/login", response_model=TokenPair)
async def login(body: Login, request: Request, session: SessionDep) -> TokenPair:
    tokens = await auth_service.login(
        session, token_issuer(request), email=body.email, password=body.password
    )
    return _pair(tokens)


@public.post("/refresh", response_model=TokenPair, dependencies=[ForgetPrincipals])
async def refresh(body: Refresh, request: Request) -> TokenPair:
    # Its own unit of work: a detected replay revokes the family, and that must be committed
    # even though the answer is a 401.
    async with unit_of_work(get_sessionmaker(request)) as session:
        tokens = await auth_service.refresh(session, token_issuer(request), body.refresh_token)
    if tokens is None:
        raise Unauthenticated("invalid, expired, revoked or already used refresh token")
    return _pair(tokens)


@router.post(
    "/auth/logout", status_code=status.HTTP_204_NO_CONTENT, dependencies=[ForgetPrincipals]
)
async def logout(principal: CurrentPrincipal, session: SessionDep) -> Response:
    await auth_service.logout(session, principal)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/auth/password", status_code=status.HTTP_204_NO_CONTENT, dependencies=[ForgetPrincipals]
)
async def change_password(
    body: PasswordChange, principal: CurrentPrincipal, session: SessionDep
) -> Response:
    await auth_service.change_password(
        session, principal, current=body.current_password, new=body.new_password
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)
