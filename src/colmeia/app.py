"""The API composition root: builds engines and clients once, in the lifespan."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import TypedDict

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from redis.asyncio import Redis

from colmeia import exception_handlers
from colmeia.agents.protocol import ROUTERS as AGENT_PROTOCOL_ROUTERS
from colmeia.agents.protocol import open_agent_protocol
from colmeia.agents.registry import GraphRegistry
from colmeia.auth.cache import PrincipalCache
from colmeia.auth.endpoints import public as auth_public_router
from colmeia.auth.endpoints import router as auth_router
from colmeia.auth.secret import server_pepper
from colmeia.auth.service import TokenIssuer
from colmeia.auth.tokens import TokenCodec, signing_key
from colmeia.budgets.endpoints import router as budgets_router
from colmeia.budgets.flusher import run_flusher
from colmeia.budgets.ledger import BudgetLedger
from colmeia.cache.endpoints import router as cache_router
from colmeia.cache.hook import CacheHook
from colmeia.cache.runtime import CacheRuntime
from colmeia.config import Settings, get_settings
from colmeia.db import Sessionmaker, create_engine, make_sessionmaker
from colmeia.health.endpoints import router as health_router
from colmeia.health.service import ReadinessTargets
from colmeia.keys.endpoints import router as keys_router
from colmeia.kit.body_limit import BodySizeLimitMiddleware
from colmeia.kit.cors import cors_options
from colmeia.kit.heap import startup_objects_frozen
from colmeia.kit.security_headers import SecurityHeadersMiddleware
from colmeia.limits.deps import Limiter
from colmeia.limits.middleware import RateLimitHeadersMiddleware
from colmeia.limits.policy import LimitPolicy
from colmeia.limits.service import RateLimitService
from colmeia.llm.gateway import Gateway
from colmeia.metering import build_metering
from colmeia.openai_compat.endpoints import router as openai_router
from colmeia.redis import create_redis
from colmeia.runs.dead_letters.endpoints import router as dead_letters_router
from colmeia.runs.events import RunEvents
from colmeia.runs.policy import RunPolicy
from colmeia.runtime import resolve_redis_url
from colmeia.telemetry.endpoints import metrics_router
from colmeia.telemetry.setup import configure_telemetry
from colmeia.traces.endpoints import router as traces_router
from colmeia.usage.endpoints import router as usage_router
from colmeia.users.endpoints import router as users_router
from colmeia.worker.enqueue import JobQueue


class State(TypedDict):
    sessionmaker: Sessionmaker
    redis: Redis
    key_pepper: bytes
    principal_cache: PrincipalCache
    readiness: ReadinessTargets
    token_issuer: TokenIssuer
    open_registration: bool
    limiter: Limiter | None
    budget_ledger: BudgetLedger
    gateway: Gateway
    cache: CacheRuntime
    graphs: GraphRegistry
    run_events: RunEvents
    job_queue: JobQueue
    run_policy: RunPolicy


def _llm_probe(settings: Settings) -> tuple[str | None, dict[str, str]]:
    if settings.llm.base_url is None:
        return None, {}
    headers = {}
    if settings.llm.openai_api_key is not None:
        headers["Authorization"] = f"Bearer {settings.llm.openai_api_key.get_secret_value()}"
    return settings.llm.base_url.rstrip("/") + "/models", headers


def _broker_probe(settings: Settings) -> str | None:
    url = settings.broker.url
    return url if url and not url.startswith(("redis", "rediss", "unix")) else None


def _token_issuer(settings: Settings, pepper: bytes) -> TokenIssuer:
    auth = settings.auth
    codec = TokenCodec(
        key=signing_key(pepper),
        issuer=auth.jwt_issuer,
        audience=auth.jwt_audience,
        ttl=timedelta(seconds=auth.access_token_ttl_s),
    )
    return TokenIssuer(codec, pepper, timedelta(seconds=auth.refresh_token_ttl_s))


def _limiter(settings: Settings, redis: Redis) -> Limiter | None:
    limits = settings.limits
    if not limits.enabled:
        return None
    policy = LimitPolicy.build(
        user=limits.user,
        admin=limits.admin,
        anonymous=limits.anonymous,
        route_groups=limits.route_groups,
        trusted_proxies=limits.trusted_proxies,
        fail_open_authenticated=limits.fail_open_authenticated,
        fail_open_anonymous=limits.fail_open_anonymous,
    )
    return Limiter(RateLimitService(redis, limits.strategy), policy)


def create_app(settings: Settings | None = None) -> FastAPI:
    """The ASGI app; ``settings`` defaults to the environment's (uvicorn's factory mode)."""
    settings = settings or get_settings()
    telemetry = configure_telemetry(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[State]:
        engine = create_engine(
            settings.database_url,
            echo=settings.database.echo,
            pool_size=settings.database.pool_size,
        )
        telemetry.instrument_engine(engine)
        redis_url = resolve_redis_url(settings)
        redis = create_redis(redis_url)
        pepper = server_pepper(settings)
        models_url, llm_headers = _llm_probe(settings)
        readiness = ReadinessTargets(
            engine=engine,
            redis=redis,
            broker_url=_broker_probe(settings),
            worker_ttl_s=settings.worker.heartbeat_ttl_s,
            llm_models_url=models_url,
            llm_headers=llm_headers,
        )
        sessionmaker = make_sessionmaker(engine)
        cache = CacheRuntime(redis, settings.cache)
        cache.start()  # loads MiniLM in the background; calls bypass the cache until then
        metering = build_metering(settings, sessionmaker, redis, gateway_hooks=(CacheHook(cache),))
        flusher = asyncio.create_task(
            run_flusher(redis, sessionmaker, settings.budgets.flush_interval_s)
        )
        agents = await open_agent_protocol(settings, sessionmaker, redis, redis_url)
        try:
            state: State = {
                "graphs": agents.graphs,
                "run_events": agents.run_events,
                "job_queue": agents.job_queue,
                "run_policy": agents.run_policy,
                "sessionmaker": sessionmaker,
                "redis": redis,
                "key_pepper": pepper,
                "principal_cache": PrincipalCache(settings.auth.principal_cache_ttl_s),
                "readiness": readiness,
                "token_issuer": _token_issuer(settings, pepper),
                "open_registration": settings.auth.open_registration,
                "limiter": _limiter(settings, redis),
                "budget_ledger": metering.budget_ledger,
                "gateway": metering.gateway,
                "cache": cache,
            }
            with startup_objects_frozen():  # after the last start-up object is built
                yield state
        finally:
            await agents.aclose()
            flusher.cancel()
            await metering.aclose()
            await cache.aclose()
            await redis.aclose()
            await engine.dispose()
            telemetry.flush()

    app = FastAPI(title="Colmeia", version="0.1.0", lifespan=lifespan)
    app.add_middleware(BodySizeLimitMiddleware, max_body_bytes=settings.server.max_body_bytes)
    app.add_middleware(RateLimitHeadersMiddleware)
    app.add_middleware(SecurityHeadersMiddleware)
    if settings.cors.allow_origins:
        app.add_middleware(CORSMiddleware, **cors_options(settings.cors.allow_origins))  # type: ignore[arg-type]
    telemetry.instrument_app(app)
    exception_handlers.install(app)
    app.include_router(health_router)
    # Routes are matched in order; the gateway's is the hottest path (bench/gateway.py).
    app.include_router(openai_router)
    for router in AGENT_PROTOCOL_ROUTERS:
        app.include_router(router)
    app.include_router(traces_router)
    if settings.telemetry.metrics:
        token = settings.telemetry.metrics_token
        app.include_router(metrics_router(token.get_secret_value() if token else None))
    app.include_router(auth_router)
    app.include_router(auth_public_router)
    app.include_router(keys_router)
    app.include_router(users_router)
    app.include_router(budgets_router)
    app.include_router(cache_router)
    app.include_router(usage_router)
    app.include_router(dead_letters_router)
    return app
