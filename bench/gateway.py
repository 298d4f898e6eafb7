"""Gateway overhead: the simulated LLM called directly vs through Colmeia vs through LiteLLM.

Every target answers the same non-streamed chat completion from the same simulated LLM
(``colmeia sim-llm``, 50 ms to the answer), each in its own process. Colmeia runs as
``colmeia api`` with its defaults on: API-key auth, rate-limit check (limit set high so it never
refuses), usage accounting, tracing; no cache. LiteLLM runs as ``litellm --config`` (its proxy,
``litellm[proxy]``, installed by this bench in ``bench/.venvs/litellm`` with ``uv``); when that
install fails, the LiteLLM column says so.

A second Colmeia process with tracing and rate limits off separates what this gateway costs
(auth, request conversion, LangChain + provider SDK call, usage accounting) from the middleware.
A do-nothing pass-through (`bench.passthrough`: Starlette + httpx under uvicorn) gives the floor
of any gateway hop here: one more server, one more client call, two more process wake-ups.

Overhead = a target's latency percentile minus the direct call's, at the same concurrency.
2,000 requests per level, as the issue asks (about 15 minutes on an idle 2-core machine, where
client, simulator and gateways share the CPUs); run it idle, or the figures measure the load.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx

from bench.report import summary, write_section
from bench.startup import free_port
from colmeia import migrations
from colmeia.auth.secret import server_pepper
from colmeia.config import Settings
from colmeia.db import create_engine, make_sessionmaker, unit_of_work
from colmeia.embedded.redis_server import EmbeddedRedis
from colmeia.keys.service import key as key_service
from colmeia.models import Role
from colmeia.users.service import user as user_service

LEVELS = ((1, 2000), (16, 2000), (64, 2000))
WARMUP = 50
LATENCY_MS = 50
SECRET = "bench-secret-key-not-for-production"
BARE = {"COLMEIA_TELEMETRY__TRACING": "false", "COLMEIA_LIMITS__ENABLED": "false"}
"""A second Colmeia with tracing and rate limits off: what auth + gateway + accounting cost."""
VENV = Path(__file__).resolve().parent / ".venvs" / "litellm"
BODY = {"model": "sim-small", "messages": [{"role": "user", "content": "Summarise the roadmap"}]}


@contextmanager
def process(argv: list[str], health: str, env: dict[str, str] | None = None) -> Iterator[None]:
    """A child process, ready once ``health`` answers 200; stopped afterwards."""
    child = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(health, timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if child.poll() is not None:
                raise RuntimeError(f"{argv[0]} exited with {child.returncode}")
            time.sleep(0.1)
        else:
            raise RuntimeError(f"{argv} not ready")
        yield
    finally:
        child.terminate()
        try:
            child.wait(timeout=20)
        except subprocess.TimeoutExpired:
            child.kill()


async def _admin_key(settings: Settings) -> str:
    engine = create_engine(settings.database_url)
    try:
        async with unit_of_work(make_sessionmaker(engine)) as session:
            owner = await user_service.create(
                session, email="bench@example.test", tenant_name="bench", role=Role.admin
            )
            _, material = await key_service.create(
                session, owner, name="bench", scopes=[], pepper=server_pepper(settings)
            )
    finally:
        await engine.dispose()
    return material.plaintext


def colmeia_env(data: Path, redis_url: str, sim_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "COLMEIA_DATA_DIR": str(data),
        "COLMEIA_DATABASE__URL": f"sqlite:///{data / 'colmeia.db'}",
        "COLMEIA_REDIS__URL": redis_url,
        "COLMEIA_AUTH__SECRET_KEY": SECRET,
        "COLMEIA_LLM__BASE_URL": sim_url,
        "COLMEIA_LIMITS__USER": "100000000/minute",
        "COLMEIA_LIMITS__ADMIN": "100000000/minute",
        "COLMEIA_LOG_LEVEL": "WARNING",
    }


def litellm_installed() -> str | None:
    """Install ``litellm[proxy]`` into its own venv; None when it cannot be had."""
    binary = VENV / "bin" / "litellm"
    if binary.exists():
        return str(binary)
    python = VENV / "bin" / "python"
    try:
        subprocess.run(["uv", "venv", "-q", str(VENV)], check=True, timeout=120)
        subprocess.run(
            ["uv", "pip", "install", "-q", "--python", str(python), "litellm[proxy]"],
            check=True,
            timeout=600,
        )
    except (subprocess.SubprocessError, OSError) as error:
        print(f"litellm unavailable: {error}")
        return None
    return str(binary) if binary.exists() else None


def litellm_config(tmp: Path, sim_url: str) -> Path:
    entry = {"model": "openai/sim-small", "api_base": sim_url, "api_key": "x"}
    config = {"model_list": [{"model_name": "sim-small", "litellm_params": entry}]}
    path = tmp / "litellm.json"
    path.write_text(json.dumps(config))
    return path


async def _measure(
    url: str, headers: dict[str, str], concurrency: int, count: int
) -> tuple[list[float], int]:
    """Latencies of the answered requests, and how many failed (an error status or a broken
    connection: counted and reported, not fatal, so one reset at c=64 does not lose the run)."""
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    latencies: list[float] = []
    failed = 0
    async with httpx.AsyncClient(limits=limits, timeout=60, headers=headers) as client:

        async def worker(requests: int) -> None:
            nonlocal failed
            for _ in range(requests):
                started = time.perf_counter()
                try:
                    response = await client.post(url, json=BODY)
                    response.raise_for_status()
                except httpx.HTTPError:
                    failed += 1
                    continue
                latencies.append((time.perf_counter() - started) * 1000)

        warm = [worker(max(WARMUP // concurrency, 1)) for _ in range(concurrency)]
        await asyncio.gather(*warm)
        latencies.clear()
        failed = 0
        await asyncio.gather(*(worker(count // concurrency) for _ in range(concurrency)))
    return latencies, failed


Results = dict[str, dict[int, list[float]]]
"""target → concurrency → latencies (ms) of the answered requests."""
Failures = dict[str, dict[int, int]]


def run_levels(targets: dict[str, tuple[str, dict[str, str]]]) -> tuple[Results, Failures]:
    results: Results = {name: {} for name in targets}
    failures: Failures = {name: {} for name in targets}
    for concurrency, count in LEVELS:
        for name, (url, headers) in targets.items():
            latencies, failed = asyncio.run(_measure(url, headers, concurrency, count))
            results[name][concurrency] = latencies
            failures[name][concurrency] = failed
            p50, p95 = summary(latencies)
            print(
                f"c={concurrency:<3} {name:<8} n={len(latencies):<5} p50 {p50:.2f} p95 {p95:.2f} ms"
                f" failed {failed}"
            )
    return results, failures


def report(results: Results, failures: Failures, litellm_note: str) -> str:
    lines = [
        f"Simulated LLM at {LATENCY_MS} ms; non-streamed chat completion; one process per target.",
        "Colmeia: `colmeia api` (1 process) with API-key auth, rate-limit check, usage accounting",
        "and tracing on, cache off. Overhead = target percentile − direct percentile.",
        "Floor: a do-nothing pass-through (`bench.passthrough`, Starlette + httpx, 1 process):",
        "what one more HTTP hop costs here before a gateway does anything.",
        f"Requests per level (concurrency: count): {', '.join(f'{c}: {n}' for c, n in LEVELS)}.",
        litellm_note,
        "",
        "| concurrency | direct p50 / p95 (ms) | Colmeia overhead p50 / p95 (ms) |"
        " Colmeia, tracing + limits off | do-nothing pass-through (floor) |"
        " LiteLLM overhead p50 / p95 (ms) | Colmeia/LiteLLM overhead p50 |",
        "|---|---|---|---|---|---|---|",
    ]
    for concurrency, _ in LEVELS:
        d50, d95 = summary(results["direct"][concurrency])
        c50, c95 = summary(results["colmeia"][concurrency])
        b50, b95 = summary(results["bare"][concurrency])
        f50, f95 = summary(results["floor"][concurrency])
        cells = [f"{d50:.1f} / {d95:.1f}", f"{c50 - d50:.2f} / {c95 - d95:.2f}"]
        cells += [f"{b50 - d50:.2f} / {b95 - d95:.2f}", f"{f50 - d50:.2f} / {f95 - d95:.2f}"]
        cells += ["n/a", "n/a"]
        if "litellm" in results:
            l50, l95 = summary(results["litellm"][concurrency])
            cells[4] = f"{l50 - d50:.2f} / {l95 - d95:.2f}"
            cells[5] = f"{(c50 - d50) / (l50 - d50):.2f}" if l50 - d50 > 0 else "n/a"
        lines.append(f"| {concurrency} | " + " | ".join(cells) + " |")
    failed = [
        f"{name} at c={concurrency}: {count}"
        for name, levels in failures.items()
        for concurrency, count in levels.items()
        if count
    ]
    lines += ["", f"Failed requests (not in the percentiles): {', '.join(failed) or 'none'}."]
    lines += _saturation_notes(results)
    return "\n".join(lines)


def _saturation_notes(results: Results) -> list[str]:
    """Say where the direct calls themselves queued: there the client and the simulator fill
    the two cores, and a difference of tail percentiles measures that queue, not a gateway
    (it can even come out negative)."""
    saturated = []
    for concurrency, latencies in results["direct"].items():
        d50, d95 = summary(latencies)
        if d50 > 2 * LATENCY_MS:
            saturated.append(f"c={concurrency} (direct p50 {d50:.0f} ms, p95 {d95:.0f} ms)")
    if not saturated:
        return []
    return [
        "",
        f"Saturated levels: {', '.join(saturated)}: the client and the simulated LLM already "
        f"queue there without any gateway (a bare call takes {LATENCY_MS} ms), so their "
        "overheads, p95 above all, measure that queue rather than the gateway.",
    ]


def start_passthrough(stack: ExitStack, sim_url: str) -> tuple[str, dict[str, str]]:
    """The do-nothing gateway in front of the same upstream: its URL and (no) headers."""
    port = free_port()
    argv = [sys.executable, "-m", "uvicorn", "bench.passthrough:app", "--port", str(port)]
    argv += ["--log-level", "warning"]
    env = {**os.environ, "PASSTHROUGH_UPSTREAM": sim_url}
    stack.enter_context(process(argv, f"http://127.0.0.1:{port}/health", env))
    return f"http://127.0.0.1:{port}/v1/chat/completions", {}


def start_litellm(
    stack: ExitStack, tmp: Path, sim_url: str, targets: dict[str, tuple[str, dict[str, str]]]
) -> str:
    """Start the LiteLLM proxy on the same upstream and add it to ``targets``; a report note."""
    binary = litellm_installed()
    if binary is None:
        return "LiteLLM: not measured in this run (`litellm[proxy]` could not be installed)."
    port = free_port()
    argv = [binary, "--config", str(litellm_config(tmp, sim_url)), "--port", str(port)]
    master = "sk-" + secrets.token_hex(32)
    env = {**os.environ, "LITELLM_LOG": "ERROR", "LITELLM_MASTER_KEY": master}
    stack.enter_context(process(argv, f"http://127.0.0.1:{port}/health/liveliness", env))
    auth = {"Authorization": f"Bearer {master}"}
    targets["litellm"] = (f"http://127.0.0.1:{port}/v1/chat/completions", auth)
    version = subprocess.run([binary, "--version"], capture_output=True, text=True).stdout
    release = version.strip().rsplit(" ", 1)[-1]
    return f"LiteLLM proxy {release}: 1 process, master-key auth, no database."


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp_name, ExitStack() as stack:
        tmp = Path(tmp_name)
        redis = stack.enter_context(EmbeddedRedis(tmp / "redis", load_falkordb=False))
        sim_port = free_port()
        sim_url = f"http://127.0.0.1:{sim_port}/v1"
        colmeia = [sys.executable, "-m", "colmeia"]
        sim_argv = [*colmeia, "sim-llm", "--port", str(sim_port), "--ttft-ms", str(LATENCY_MS)]
        stack.enter_context(process(sim_argv, f"http://127.0.0.1:{sim_port}/sim/health"))
        env = colmeia_env(tmp / "data", redis.url, sim_url)
        settings = Settings(_env_file=None, data_dir=tmp / "data", auth={"secret_key": SECRET})
        settings.database.url = env["COLMEIA_DATABASE__URL"]
        (tmp / "data").mkdir()
        migrations.upgrade(settings.database_url)
        key = asyncio.run(_admin_key(settings))
        auth = {"Authorization": f"Bearer {key}"}
        targets = {"direct": (f"{sim_url}/chat/completions", {})}
        for name, extra in (("colmeia", {}), ("bare", BARE)):
            port = free_port()
            api = f"http://127.0.0.1:{port}"
            child_env = {**env, **extra, "COLMEIA_SERVER__PORT": str(port)}
            stack.enter_context(process([*colmeia, "api"], f"{api}/healthz", child_env))
            targets[name] = (f"{api}/v1/chat/completions", auth)
        targets["floor"] = start_passthrough(stack, sim_url)
        note = start_litellm(stack, tmp, sim_url, targets)
        results, failures = run_levels(targets)
    write_section("gateway", report(results, failures, note))


if __name__ == "__main__":
    main()
