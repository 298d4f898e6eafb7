"""The ``colmeia`` command: one entry point for every process the service runs."""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer

from colmeia.config import ConfigurationError, Settings, get_settings
from colmeia.logging import configure_logging_from, uvicorn_log_config

cli = typer.Typer(no_args_is_help=True, add_completion=False, help=__doc__)
admin_cli = typer.Typer(no_args_is_help=True, help="Users and API keys.")
cli.add_typer(admin_cli, name="admin")
cache_cli = typer.Typer(no_args_is_help=True, help="Semantic cache.")
cli.add_typer(cache_cli, name="cache")


def _settings() -> Settings:
    """Load settings or exit with one clear line (never a traceback)."""
    try:
        settings = get_settings()
    except ConfigurationError as error:
        typer.echo(f"colmeia: {error}", err=True)
        raise typer.Exit(2) from None
    configure_logging_from(settings)
    return settings


@cli.command()
def up(
    port: Annotated[int | None, typer.Option(help="API port")] = None,
    host: Annotated[str | None, typer.Option(help="API host")] = None,
    data_dir: Annotated[Path | None, typer.Option(help="Where embedded data lives")] = None,
) -> None:
    """Run the whole service on embedded defaults (Redis, SQLite, worker, simulated LLM)."""
    if port is not None:
        os.environ["COLMEIA_SERVER__PORT"] = str(port)
    if host is not None:
        os.environ["COLMEIA_SERVER__HOST"] = host
    if data_dir is not None:
        os.environ["COLMEIA_DATA_DIR"] = str(data_dir.resolve())
    settings = _settings()
    from colmeia import up as stack

    raise typer.Exit(stack.run(settings))


@cli.command()
def api(
    workers: Annotated[int, typer.Option(help="uvicorn worker processes")] = 1,
) -> None:
    """Serve the HTTP API (Redis, database and broker must be reachable)."""
    import uvicorn

    settings = _settings()
    uvicorn.run(
        "colmeia.app:create_app",
        factory=True,
        host=settings.server.host,
        port=settings.server.port,
        workers=workers,
        log_level=settings.log_level.lower(),
        access_log=False,
        log_config=uvicorn_log_config(settings.log_level),
        limit_max_requests=None,
        timeout_keep_alive=settings.server.keep_alive_s,
        # X-Forwarded-For is believed only from COLMEIA_LIMITS__TRUSTED_PROXIES.
        proxy_headers=False,
    )


@cli.command()
def worker(
    concurrency: Annotated[int | None, typer.Option(help="runs executed at once")] = None,
) -> None:
    """Run a Celery worker that executes queued runs."""
    from colmeia.runtime import resolve_redis_url
    from colmeia.worker.app import create_celery

    settings = _settings()
    app = create_celery(settings, resolve_redis_url(settings))
    app.worker_main(
        [
            "worker",
            f"--concurrency={concurrency or settings.worker.concurrency}",
            f"--loglevel={settings.log_level}",
            f"--hostname=colmeia-{os.getpid()}@%h",
            "--without-gossip",
            "--without-mingle",
        ]
    )


@cli.command("sim-llm")
def sim_llm(
    port: Annotated[int, typer.Option(help="port to listen on")] = 8765,
    host: Annotated[str, typer.Option(help="interface to bind")] = "127.0.0.1",
    ttft_ms: Annotated[float, typer.Option(help="time to first token")] = 0.0,
    token_ms: Annotated[float, typer.Option(help="latency per token")] = 0.0,
    fault_rate_429: Annotated[float, typer.Option(help="share answered 429")] = 0.0,
    fault_rate_500: Annotated[float, typer.Option(help="share answered 500")] = 0.0,
    fault_rate_timeout: Annotated[float, typer.Option(help="share that hang")] = 0.0,
    fault_rate_drop: Annotated[float, typer.Option(help="share whose connection drops")] = 0.0,
    timeout_s: Annotated[float, typer.Option(help="how long a hanging request hangs")] = 30.0,
    seed: Annotated[int, typer.Option(help="seed of the fault dice")] = 0,
    api_key: Annotated[str | None, typer.Option(help="require this Bearer key")] = None,
) -> None:
    """Serve the deterministic OpenAI-compatible simulated LLM."""
    from colmeia.simllm.server import SimLLMConfig, serve

    config = SimLLMConfig(
        ttft_ms=ttft_ms,
        token_ms=token_ms,
        fault_rate_429=fault_rate_429,
        fault_rate_500=fault_rate_500,
        fault_rate_timeout=fault_rate_timeout,
        fault_rate_drop=fault_rate_drop,
        timeout_s=timeout_s,
        seed=seed,
        api_key=api_key,
    )
    serve(host, port, config)


@cli.command()
def smollm2(
    port: Annotated[int, typer.Option(help="port to listen on")] = 8765,
    host: Annotated[str, typer.Option(help="interface to bind")] = "127.0.0.1",
) -> None:
    """Serve SmolLM2-135M-Instruct (a real, tiny model) on llama.cpp's OpenAI-compatible
    server at http://HOST:PORT/v1; needs the ``smollm2`` extra."""
    import os

    from colmeia.config import ConfigurationError
    from colmeia.llm.local import smollm2_server_argv

    try:
        argv = smollm2_server_argv(host, port)
    except ConfigurationError as error:
        typer.echo(f"colmeia: {error}", err=True)
        raise typer.Exit(2) from error
    os.execv(argv[0], argv)  # the server replaces this process: signals reach it directly


@cli.command()
def migrate(
    revision: Annotated[str, typer.Option(help="target revision")] = "heads",
    down: Annotated[bool, typer.Option(help="downgrade to the revision instead")] = False,
) -> None:
    """Apply (or roll back) database migrations."""
    from colmeia import migrations

    settings = _settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    if down:
        migrations.downgrade(settings.database_url, revision if revision != "heads" else "base")
    else:
        migrations.upgrade(settings.database_url, revision)
    typer.echo(f"database at {revision if not down else 'downgraded'}")


@admin_cli.command("create-user")
def create_user(
    email: Annotated[str, typer.Option(help="login email")],
    tenant: Annotated[str, typer.Option(help="tenant name (created if new)")] = "default",
    admin: Annotated[bool, typer.Option(help="grant the admin role")] = False,
) -> None:
    """Create a user in a tenant."""
    from colmeia.admin.commands import create_user as run

    settings = _settings()
    created = asyncio.run(run(settings, email=email, tenant=tenant, admin=admin))
    typer.echo(f"created user {created}")


@admin_cli.command("create-key")
def create_key(
    email: Annotated[str, typer.Option(help="owner's email")],
    name: Annotated[str, typer.Option(help="what the key is for")] = "cli",
    scope: Annotated[list[str] | None, typer.Option(help="scope (repeatable)")] = None,
    expires_in_days: Annotated[int | None, typer.Option(help="days until expiry")] = None,
) -> None:
    """Create an API key and print it once."""
    from colmeia.admin.commands import create_key as run

    settings = _settings()
    expires = timedelta(days=expires_in_days) if expires_in_days else None
    plaintext = asyncio.run(
        run(settings, email=email, name=name, scopes=scope or [], expires_in=expires)
    )
    typer.echo(plaintext)


@cache_cli.command("eval")
def cache_eval(
    pairs: Annotated[Path, typer.Option(help="JSONL of {id, a, b, label, kind, lang}")],
    json_output: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
    backend: Annotated[str, typer.Option(help="vector index: auto, redis or memory")] = "auto",
) -> None:
    """Hit and false-hit rates of the semantic cache on labelled pairs (real cache path)."""
    from colmeia.cache.commands import evaluate

    if backend not in ("auto", "redis", "memory"):
        raise typer.BadParameter("backend must be auto, redis or memory")
    settings = _settings()
    typer.echo(evaluate(settings, pairs, as_json=json_output, backend=backend))  # type: ignore[arg-type]


def main() -> None:
    """Entry point; domain errors from admin commands end with one line, not a traceback."""
    from colmeia.errors import ColmeiaError

    try:
        cli()
    except ColmeiaError as error:
        typer.echo(f"colmeia: {error.message}", err=True)
        sys.exit(1)
