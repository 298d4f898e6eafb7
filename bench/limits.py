"""Rate limiting: what the check costs per request, and whether limits hold across replicas.

1. Overhead: the same ``GET /me`` (API key, real DB lookup) against two ``colmeia api``
   processes in the same run, one with limits on and one with limits off, requests
   interleaved so drift hits both equally; plus the limiter check alone (hit + window
   stats on Redis: limits' two moving-window scripts in one round trip), on a window holding
   every hit of the run and at the default user limit, against one Redis ``PING`` from the
   same client. Target: ≤ 0.5 ms p50 per request.
2. Replicas: three ``colmeia api`` processes on one Redis, one key limited to 100/minute,
   1,000 requests offered evenly over 60 s → at most 101 accepted in any 60 s window.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
from limits import RateLimitItem, parse
from limits.aio.strategies import MovingWindowRateLimiter
from tests.fixtures.people import create_person
from tests.limits.replicas import api_process, api_replicas, offer, worst_window

from bench.report import percentile, summary, write_section
from colmeia import migrations
from colmeia.config import LimitsSettings, Settings
from colmeia.embedded.redis_server import EmbeddedRedis
from colmeia.limits.service import RateLimitService, limits_storage
from colmeia.redis import create_redis

REQUESTS, WARMUP = 2_000, 200
LIMIT, WINDOW_S, OFFERED, DURATION_S = 100, 60, 1_000, 60.0


async def _timed(call: Callable[[int], Awaitable[object]]) -> list[float]:
    samples = []
    for index in range(REQUESTS + WARMUP):
        started = time.perf_counter()
        await call(index)
        if index >= WARMUP:
            samples.append((time.perf_counter() - started) * 1000)
    return samples


async def _check_latencies(redis_url: str) -> dict[str, list[float]]:
    """The limiter check on a window holding every hit of the run, and at the default user
    limit on keys below it; with one Redis PING from the same client as the floor (the check
    is one round trip: the moving-window hit and its stats, pipelined), and as the baseline
    the same check through ``limits``' API (``hit``, then ``get_window_stats``)."""
    redis = create_redis(redis_url)
    service = RateLimitService(redis)
    library = MovingWindowRateLimiter(limits_storage(redis))
    busy, default = parse("1000000/minute"), parse(LimitsSettings().user)
    keys = (REQUESTS + WARMUP) // (default.amount // 2)  # each key ends about half full

    async def two_calls(item: RateLimitItem, identity: str) -> None:
        await library.hit(item, identity)
        await library.get_window_stats(item, identity)

    try:
        return {
            "ping": await _timed(lambda _: redis.ping()),
            "busy": await _timed(lambda _: service.hit(busy, "bench:busy", fail_open=False)),
            "library": await _timed(lambda _: two_calls(busy, "bench:library")),
            "default": await _timed(
                lambda index: service.hit(default, f"bench:default:{index % keys}", fail_open=False)
            ),
        }
    finally:
        await redis.aclose()


def _interleaved(settings: Settings, key: str) -> tuple[list[float], list[float]]:
    on: list[float] = []
    off: list[float] = []
    with (
        api_process(settings, {"COLMEIA_LIMITS__USER": "100000000/minute"}) as with_limits,
        api_process(settings, {"COLMEIA_LIMITS__ENABLED": "false"}) as without,
    ):
        clients = [
            (httpx.Client(base_url=base, headers={"x-api-key": key}), sink)
            for base, sink in ((with_limits, on), (without, off))
        ]
        for index in range(REQUESTS + 200):
            # Alternate which server goes first, so neither always meets a warmer cache.
            for client, sink in clients if index % 2 else clients[::-1]:
                started = time.perf_counter()
                response = client.get("/me")
                elapsed = (time.perf_counter() - started) * 1000
                assert response.status_code == 200, response.text
                if index >= 200:
                    sink.append(elapsed)
        for client, _ in clients:
            client.close()
    return on, off


def _replicas(settings: Settings) -> dict[str, float]:
    person = create_person(settings, key_limit=f"{LIMIT}/minute")
    with api_replicas(settings, 3, {}) as bases:
        outcomes = offer(bases, "/me", {"x-api-key": person.key}, OFFERED, DURATION_S)
    accepted = [o for o in outcomes if o.status == 200]
    refused = [o for o in outcomes if o.status == 429]
    headers_ok = all(
        o.headers.get("x-ratelimit-limit") == str(LIMIT)
        and 0 <= int(o.headers.get("x-ratelimit-remaining", "-1")) < LIMIT
        and (o.status == 200 or int(o.headers.get("retry-after", "0")) >= 1)
        for o in outcomes
    )
    return {
        "accepted": len(accepted),
        "refused": len(refused),
        "other": OFFERED - len(accepted) - len(refused),
        "worst_window_s": worst_window(outcomes, LIMIT + 1, WINDOW_S),
        "headers_ok": float(headers_ok),
    }


def main() -> None:
    with (
        tempfile.TemporaryDirectory() as tmp,
        EmbeddedRedis(Path(tmp) / "redis", load_falkordb=False) as redis_server,
    ):
        database = f"sqlite:///{Path(tmp) / 'bench.db'}"
        migrations.upgrade(database)
        settings = Settings(
            _env_file=None,
            data_dir=Path(tmp) / "data",
            database={"url": database},
            redis={"url": redis_server.url},
            auth={"secret_key": "bench-secret-not-for-production"},
        )
        check = asyncio.run(_check_latencies(redis_server.url))
        on, off = _interleaved(settings, create_person(settings).key)
        replicas = _replicas(settings)
    _report(check, on, off, replicas)


def _report(
    check: dict[str, list[float]], on: list[float], off: list[float], replicas: dict[str, float]
) -> None:
    paired = [a - b for a, b in zip(on, off, strict=True)]
    (on_p50, on_p95), (off_p50, off_p95) = summary(on), summary(off)
    (ping_p50, ping_p95), (busy_p50, busy_p95), (default_p50, default_p95) = (
        summary(check["ping"]),
        summary(check["busy"]),
        summary(check["default"]),
    )
    library_p50, library_p95 = summary(check["library"])
    default = LimitsSettings().user
    rows = [
        f"| Redis `PING` from the same client (one round trip: the floor) | {ping_p50:.3f} "
        f"| {ping_p95:.3f} |",
        f"| limiter check alone (hit + window stats), window of up to {REQUESTS + WARMUP} hits "
        f"| {busy_p50:.3f} | {busy_p95:.3f} |",
        f"| limiter check alone at the default {default}, keys below their limit "
        f"| {default_p50:.3f} | {default_p95:.3f} |",
        f"| check ÷ one round trip (window of {REQUESTS + WARMUP} hits) "
        f"| {busy_p50 / ping_p50:.2f}× | {busy_p95 / ping_p95:.2f}× |",
        f"| baseline: the same check through `limits`' API (`hit`, then `get_window_stats`: two "
        f"round trips), window of up to {REQUESTS + WARMUP} hits "
        f"| {library_p50:.3f} | {library_p95:.3f} |",
        f"| check ÷ baseline | {busy_p50 / library_p50:.2f}× | {busy_p95 / library_p95:.2f}× |",
        f"| `GET /me`, limits on | {on_p50:.3f} | {on_p95:.3f} |",
        f"| `GET /me`, limits off | {off_p50:.3f} | {off_p95:.3f} |",
        f"| overhead: on − off, paired per request | {statistics.median(paired):.3f} | "
        f"{percentile(paired, 95):.3f} |",
        f"| ratio of medians on / off | {on_p50 / off_p50:.2f}× | {on_p95 / off_p95:.2f}× |",
    ]
    for row in rows:
        print(row)
    print(replicas)
    never_over = replicas["worst_window_s"] >= WINDOW_S
    body = (
        f"Per request, {REQUESTS} requests each, interleaved (target: overhead ≤ 0.5 ms p50).\n\n"
        "| measure | p50 ms | p95 ms |\n|---|---|---|\n" + "\n".join(rows) + "\n\n"
        f"Three `colmeia api` replicas on one Redis, one key at {LIMIT}/minute, {OFFERED} "
        f"requests offered evenly over {DURATION_S:.0f} s: **{replicas['accepted']:.0f} "
        f"accepted**, {replicas['refused']:.0f} refused with 429, {replicas['other']:.0f} other; "
        f"at most {LIMIT + 1} accepted in any 60 s window: {'yes' if never_over else 'NO'} "
        f"(the tightest {LIMIT + 2} accepted span ≥ {replicas['worst_window_s']:.1f} s); "
        f"headers correct on every response: {'yes' if replicas['headers_ok'] else 'NO'}.\n"
        f"\nLoad average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores "
        "(other processes shared the machine; the paired difference cancels most of it).\n"
    )
    write_section("limits", body)


if __name__ == "__main__":
    main()
