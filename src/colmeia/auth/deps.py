"""Typed dependencies that say, in a route's signature, who may call it.

Credentials are accepted the way clients send them: ``Authorization: Bearer <key or JWT>``
(the ``openai`` SDK) and ``x-api-key: <key>`` (``langgraph-sdk``'s ``get_client(api_key=…)``).
API keys and JWT access tokens resolve to the same `Principal`; every authenticated request
is then counted against its rate limits.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request

from colmeia.auth.cache import PrincipalCache
from colmeia.auth.principal import Principal
from colmeia.auth.service import TokenIssuer
from colmeia.auth.service import auth as auth_service
from colmeia.auth.tokens import InvalidAccessToken, looks_like_jwt
from colmeia.db import unit_of_work
from colmeia.deps import get_sessionmaker
from colmeia.errors import Forbidden, Unauthenticated
from colmeia.keys.material import looks_like_key
from colmeia.keys.service import key as key_service
from colmeia.limits.deps import limit_anonymous, limit_principal
from colmeia.telemetry.context import bind_principal

MAX_CREDENTIAL_LENGTH = 4096


def presented_credential(request: Request) -> str | None:
    """The credential in the request, from ``x-api-key`` or a Bearer ``Authorization``."""
    api_key = request.headers.get("x-api-key")
    if api_key:
        return api_key.strip()
    authorization = request.headers.get("authorization", "")
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


def token_issuer(request: Request) -> TokenIssuer:
    issuer: TokenIssuer = request.state.token_issuer
    return issuer


def principal_cache(request: Request) -> PrincipalCache:
    cache: PrincipalCache = request.state.principal_cache
    return cache


async def _resolve(request: Request, credential: str) -> Principal | None:
    if len(credential) > MAX_CREDENTIAL_LENGTH:
        return None
    cache = principal_cache(request)
    principal = cache.get(credential)
    if principal is None:
        principal = await _look_up(request, credential)
        if principal is not None:
            cache.put(credential, principal)
    return principal


async def _look_up(request: Request, credential: str) -> Principal | None:
    if looks_like_key(credential):
        pepper: bytes = request.state.key_pepper
        async with unit_of_work(get_sessionmaker(request)) as session:
            return await key_service.authenticate(session, credential, pepper)
    if looks_like_jwt(credential):
        try:
            claims = token_issuer(request).codec.verify(credential)
        except InvalidAccessToken:
            return None
        async with unit_of_work(get_sessionmaker(request)) as session:
            return await auth_service.principal_for(session, claims)
    return None


async def authenticate(request: Request) -> Principal:
    """Resolve the caller in its own short unit of work (so a failing endpoint never undoes
    it), then count the request against the caller's rate limits."""
    credential = presented_credential(request)
    if credential is None:
        raise Unauthenticated("missing credentials: send Authorization: Bearer <key> or x-api-key")
    principal = await _resolve(request, credential)
    if principal is None:
        raise Unauthenticated("invalid, expired or revoked credentials")
    request.state.principal = principal
    bind_principal(principal)
    await limit_principal(request, principal)
    return principal


async def forget_principals(request: Request) -> AsyncIterator[None]:
    """Put on routes that revoke or change credentials, users or sessions: once the route's
    unit of work has committed, this replica forgets every cached principal, so the change
    applies here at once (other replicas forget within the cache TTL).

    Route-level dependencies are entered before the route's own, so this exits after the
    session dependency has committed; it also runs when the route fails (a refresh-token
    replay revokes its family and still answers 401)."""
    try:
        yield
    finally:
        principal_cache(request).clear()


async def require_admin(principal: Annotated[Principal, Depends(authenticate)]) -> Principal:
    if not principal.is_admin:
        raise Forbidden("this route needs the admin role")
    return principal


CurrentPrincipal = Annotated[Principal, Depends(authenticate)]
AdminPrincipal = Annotated[Principal, Depends(require_admin)]
ForgetPrincipals = Depends(forget_principals, scope="function")
"""Route dependency for changes that must end cached authentications (see above)."""
AnonymousLimit = Depends(limit_anonymous)
"""Put on routes anyone may call (login, register, refresh): limited per client IP."""
