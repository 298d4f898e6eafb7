"""Readiness: every component the service needs, probed concurrently with a short timeout.

A probe never raises; it reports ``down`` with a reason, so ``/readyz`` always answers.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import httpx
from kombu import Connection
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from colmeia.health.schemas import ComponentState, Readiness
from colmeia.worker.heartbeat import live_workers

PROBE_TIMEOUT_S = 2.0

Probe = Callable[[], Awaitable[str | None]]


@dataclass(frozen=True)
class ReadinessTargets:
    """What readiness probes; plain values handed over by the composition root."""

    engine: AsyncEngine
    redis: Redis
    broker_url: str | None
    """A non-Redis broker to probe (RabbitMQ); None when the broker is the Redis above."""
    worker_ttl_s: float
    llm_models_url: str | None
    """``GET`` this to prove the LLM answers; None when the provider is not probed."""
    llm_headers: dict[str, str]


async def _run(probe: Probe) -> ComponentState:
    started = time.perf_counter()
    try:
        detail = await asyncio.wait_for(probe(), PROBE_TIMEOUT_S)
    except Exception as error:  # a probe reports any failure as "down", never raises
        return ComponentState(status="down", detail=f"{type(error).__name__}: {error}"[:300])
    latency = round((time.perf_counter() - started) * 1000, 2)
    return ComponentState(status="up", detail=detail, latency_ms=latency)


class HealthService:
    async def readiness(self, targets: ReadinessTargets) -> Readiness:
        """Probe every component at once; ready only when none is down."""

        async def database() -> None:
            async with targets.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))

        async def redis() -> None:
            await targets.redis.ping()

        async def worker() -> str:
            count = await live_workers(targets.redis, targets.worker_ttl_s)
            if count == 0:
                raise RuntimeError("no worker heartbeat within the TTL")
            return f"{count} live"

        probes: dict[str, Probe] = {"database": database, "redis": redis, "worker": worker}
        if targets.broker_url is not None:
            probes["broker"] = lambda: asyncio.to_thread(_probe_broker, targets.broker_url or "")
        names = list(probes)
        states = await asyncio.gather(*(_run(probes[name]) for name in names))
        components = dict(zip(names, states, strict=True))
        if "broker" not in components:
            components["broker"] = components["redis"]
        components["llm"] = await self._llm(targets)
        ready = all(state.status != "down" for state in components.values())
        return Readiness(status="ready" if ready else "not_ready", components=components)

    async def _llm(self, targets: ReadinessTargets) -> ComponentState:
        if targets.llm_models_url is None:
            return ComponentState(status="not_probed", detail="provider is not probed")
        url = targets.llm_models_url

        async def llm() -> None:
            async with httpx.AsyncClient(timeout=PROBE_TIMEOUT_S) as client:
                response = await client.get(url, headers=targets.llm_headers)
                response.raise_for_status()

        return await _run(llm)


def _probe_broker(url: str) -> None:
    with Connection(url, connect_timeout=PROBE_TIMEOUT_S) as connection:
        connection.ensure_connection(max_retries=1)


health = HealthService()
