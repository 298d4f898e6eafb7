"""Typed dependencies that say, in a route's signature, who may call it.

Credentials are accepted the way clients send them: ``Authorization: Bearer <key>`` (the
``openai`` SDK) and ``x-api-key: <key>`` (``langgraph-sdk``'s ``get_client(api_key=…)``).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from colmeia.auth.principal import Principal
from colmeia.db import unit_of_work
from colmeia.deps import get_sessionmaker
from colmeia.errors import Forbidden, Unauthenticated
from colmeia.keys.service import key as key_service


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


async def authenticate(request: Request) -> Principal:
    """Resolve the caller; its own short unit of work so a failing endpoint never undoes it."""
    credential = presented_credential(request)
    if credential is None:
        raise Unauthenticated("missing credentials: send Authorization: Bearer <key> or x-api-key")
    pepper: bytes = request.state.key_pepper
    async with unit_of_work(get_sessionmaker(request)) as session:
        principal = await key_service.authenticate(session, credential, pepper)
    if principal is None:
        raise Unauthenticated("invalid, expired or revoked credentials")
    request.state.principal = principal
    return principal


async def require_admin(principal: Annotated[Principal, Depends(authenticate)]) -> Principal:
    if not principal.is_admin:
        raise Forbidden("this route needs the admin role")
    return principal


CurrentPrincipal = Annotated[Principal, Depends(authenticate)]
AdminPrincipal = Annotated[Principal, Depends(require_admin)]
