"""Enforcing limits from dependencies, where the caller is already known.

A decision is stashed in ``request.state.rate_limit``; `RateLimitHeadersMiddleware` copies it
onto the response, 429s included, so every limited response carries ``X-RateLimit-*``.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from colmeia.auth.principal import Principal
from colmeia.errors import RateLimited
from colmeia.limits.policy import LimitPolicy
from colmeia.limits.service import Decision, RateLimitService

STATE_KEY = "rate_limit"


@dataclass(frozen=True, slots=True)
class Limiter:
    """What the dependencies need, put in app state by the composition root."""

    service: RateLimitService
    policy: LimitPolicy


def _limiter(request: Request) -> Limiter | None:
    limiter: Limiter | None = getattr(request.state, "limiter", None)
    return limiter


def _record(request: Request, decision: Decision | None) -> None:
    if decision is None:
        return
    current: Decision | None = getattr(request.state, STATE_KEY, None)
    # Report the tightest limit the request met, or the one that refused it.
    tighter = current is not None and decision.remaining < current.remaining
    if current is None or (current.allowed and (not decision.allowed or tighter)):
        setattr(request.state, STATE_KEY, decision)
    if not decision.allowed:
        raise RateLimited(
            f"rate limit of {decision.limit} requests exceeded; retry later",
            details={"limit": decision.limit},
        )


async def limit_principal(request: Request, principal: Principal) -> None:
    """Count the request against the credential's limit and its route group's limit."""
    limiter = _limiter(request)
    if limiter is None:
        return
    policy = limiter.policy
    identity = f"key:{principal.key_id}" if principal.key_id else f"user:{principal.user_id}"
    item = policy.for_credential(principal.roles, principal.rate_limit)
    fail_open = policy.fail_open_authenticated
    _record(request, await limiter.service.hit(item, identity, fail_open=fail_open))
    group = policy.for_route(request.url.path)
    if group is not None:
        prefix, group_item = group
        decision = await limiter.service.hit(
            group_item, f"{identity}:{prefix}", fail_open=fail_open
        )
        _record(request, decision)


async def limit_anonymous(request: Request) -> None:
    """Per client IP, for routes anyone may call (login, register, refresh)."""
    limiter = _limiter(request)
    if limiter is None:
        return
    policy = limiter.policy
    peer = request.client.host if request.client else None
    ip = policy.client_ip(peer, request.headers.get("x-forwarded-for"))
    route = request.scope.get("route")
    group = getattr(route, "path", request.url.path)
    decision = await limiter.service.hit(
        policy.anonymous, f"ip:{ip}:{group}", fail_open=policy.fail_open_anonymous
    )
    _record(request, decision)
