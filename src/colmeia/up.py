"""The all-in-one start: everything ``colmeia up`` does, in order, and its banner."""

from __future__ import annotations

import asyncio
import time

import typer

from colmeia import migrations
from colmeia.auth.secret import server_pepper
from colmeia.bootstrap import SeedResult, seed_admin
from colmeia.config import Settings
from colmeia.db import create_engine, make_sessionmaker
from colmeia.embedded.redis_server import EmbeddedRedis
from colmeia.llm.local import SMOLLM2_ALIAS
from colmeia.runtime import embedded_redis
from colmeia.supervisor import (
    ProcessGroup,
    StopRequested,
    child_env,
    ignore_stop_signals,
    raise_on_stop_signals,
    wait_until_ready,
)
from colmeia.telemetry.multiproc import MULTIPROC_ENV, fresh_multiproc_dir

READY_TIMEOUT_S = 60.0


async def _seed(settings: Settings) -> SeedResult:
    engine = create_engine(settings.database_url)
    try:
        pepper = server_pepper(settings)
        seeded = settings.auth.admin_api_key
        return await seed_admin(
            make_sessionmaker(engine), pepper, seeded.get_secret_value() if seeded else None
        )
    finally:
        await engine.dispose()


def _overrides(settings: Settings, redis_url: str) -> dict[str, str]:
    env = {
        "COLMEIA_DATA_DIR": str(settings.data_dir),
        "COLMEIA_REDIS__URL": redis_url,
        "COLMEIA_SERVER__HOST": settings.server.host,
        "COLMEIA_SERVER__PORT": str(settings.server.port),
    }
    if settings.uses_simulated_llm or settings.uses_local_model:
        env["COLMEIA_LLM__BASE_URL"] = _sim_url(settings)
    if settings.uses_local_model:
        env["COLMEIA_LLM__DEFAULT_MODEL"] = f"openai:{SMOLLM2_ALIAS}"
    # API and worker share Prometheus values through files, so /metrics shows both.
    env[MULTIPROC_ENV] = str(fresh_multiproc_dir(settings.data_dir))
    return env


def _sim_url(settings: Settings) -> str:
    return f"http://127.0.0.1:{settings.llm.simulated_port}/v1"


def _banner(settings: Settings, redis_url: str, seed: SeedResult, elapsed: float) -> str:
    base = f"http://{settings.server.host}:{settings.server.port}"
    lines = [
        f"colmeia ready in {elapsed:.1f}s",
        f"  API       {base}   (docs: {base}/docs, readiness: {base}/readyz)",
        f"  Database  {settings.database_url if settings.database.url is None else 'configured'}",
        f"  Redis     {'embedded ' + redis_url if settings.redis.url is None else 'configured'}",
    ]
    if settings.uses_simulated_llm:
        lines.append(f"  LLM       SIMULATED at {_sim_url(settings)} (no provider configured)")
    elif settings.uses_local_model:
        lines.append(f"  LLM       SmolLM2-135M-Instruct on llama.cpp at {_sim_url(settings)}")
    else:
        lines.append(f"  LLM       {settings.llm.base_url or 'provider configured by API key'}")
    if seed.new_key is not None:
        lines += [
            "",
            "  First start: created the admin user and its API key. It is shown ONCE:",
            f"    {seed.new_key}",
            f'  Try: curl -H "Authorization: Bearer {seed.new_key}" {base}/me',
        ]
    return "\n".join(lines)


def _warn_simulated(settings: Settings) -> None:
    if settings.uses_simulated_llm:
        typer.echo(
            "WARNING: no LLM provider configured (OPENAI_API_KEY, ANTHROPIC_API_KEY or "
            "OPENAI_BASE_URL); answers come from the SIMULATED LLM, not a real model."
        )


def run(settings: Settings) -> int:
    """Start the stack and block until Ctrl-C/SIGTERM or a child dies; return the exit code."""
    started = time.monotonic()
    raise_on_stop_signals()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    redis: EmbeddedRedis | None = None
    group: ProcessGroup | None = None
    try:
        if settings.redis.url is None:
            redis = embedded_redis(settings)
            redis.start()
        redis_url = settings.redis.url or embedded_redis(settings).url
        migrations.upgrade(settings.database_url)
        seed = asyncio.run(_seed(settings))
        _warn_simulated(settings)
        group = ProcessGroup(env=child_env(_overrides(settings, redis_url)))
        if settings.uses_simulated_llm:
            group.spawn("sim-llm", "sim-llm", "--port", str(settings.llm.simulated_port))
        elif settings.uses_local_model:
            group.spawn("smollm2", "smollm2", "--port", str(settings.llm.simulated_port))
        for index in range(settings.worker.processes):
            group.spawn(f"worker-{index + 1}", "worker")
        group.spawn("api", "api")
        # While the children import and start (seconds of mostly one core), load what is
        # missing of the demo company on the other; it is in place before the ready line.
        from colmeia.agents.team.demo_data import load_demo  # its backends' imports overlap too

        demo = load_demo(settings, redis_url)
        if demo.loaded:
            typer.echo(f"colmeia: loaded the demo company ({', '.join(demo.loaded)})")
        ready_url = f"http://{settings.server.host}:{settings.server.port}/readyz"
        alive = lambda: group is not None and group.first_exited() is None  # noqa: E731
        if not wait_until_ready(ready_url, READY_TIMEOUT_S, alive):
            typer.echo(f"colmeia: not ready after {READY_TIMEOUT_S:.0f}s; see {ready_url}")
            return 1
        typer.echo(_banner(settings, redis_url, seed, time.monotonic() - started))
        return _watch(group)
    except StopRequested:
        return 0
    finally:
        ignore_stop_signals()
        if group is not None:
            group.stop()
        if redis is not None:
            redis.stop()
        typer.echo("colmeia stopped")


def _watch(group: ProcessGroup) -> int:
    while True:
        exited = group.first_exited()
        if exited is not None:
            code = exited.process.returncode if exited.process else 1
            typer.echo(f"colmeia: {exited.name} exited with code {code}; stopping")
            return 1
        time.sleep(0.5)
