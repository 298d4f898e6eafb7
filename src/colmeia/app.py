"""The API composition root: builds engines and clients once, in the lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TypedDict

from fastapi import FastAPI
from redis.asyncio import Redis

from colmeia import exception_handlers
from colmeia.auth.endpoints import router as auth_router
from colmeia.auth.secret import server_pepper
from colmeia.config import Settings, get_settings
from colmeia.db import Sessionmaker, create_engine, make_sessionmaker
from colmeia.health.endpoints import router as health_router
from colmeia.health.service import ReadinessTargets
from colmeia.kit.body_limit import BodySizeLimitMiddleware
from colmeia.redis import create_redis
from colmeia.runtime import resolve_redis_url


class State(TypedDict):
    sessionmaker: Sessionmaker
    redis: Redis
    key_pepper: bytes
    readiness: ReadinessTargets


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


def create_app(settings: Settings | None = None) -> FastAPI:
    """The ASGI app; ``settings`` defaults to the environment's (uvicorn's factory mode)."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[State]:
        engine = create_engine(
            settings.database_url,
            echo=settings.database.echo,
            pool_size=settings.database.pool_size,
        )
        redis = create_redis(resolve_redis_url(settings))
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
        try:
            yield {
                "sessionmaker": make_sessionmaker(engine),
                "redis": redis,
                "key_pepper": pepper,
                "readiness": readiness,
            }
        finally:
            await redis.aclose()
            await engine.dispose()

    app = FastAPI(title="Colmeia", version="0.1.0", lifespan=lifespan)
    app.add_middleware(BodySizeLimitMiddleware, max_body_bytes=settings.server.max_body_bytes)
    exception_handlers.install(app)
    app.include_router(health_router)
    app.include_router(auth_router)
    return app
