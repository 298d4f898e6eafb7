"""Agent Protocol run latency and throughput, through the official ``langgraph-sdk`` client.

One API process and ``colmeia worker`` processes (as many as ``colmeia up`` starts on this
machine, and one alone), a SQLite ledger (or a fresh PostgreSQL database with
``--database-url``), an embedded Redis (or ``COLMEIA_TEST_REDIS_URL``), and the simulated LLM
with 50 ms to first token, serving the example ``chat`` graph (one ChatOpenAI call per run).
Measured in the same run:

- the baseline: the same ChatOpenAI call made directly (the LLM time every run must pay);
- the floor: the same graph compiled with the checkpointer Colmeia gives runs (same database,
  durability ``sync``) and invoked in this process, with no server, queue or ledger: what
  LangGraph's own durable checkpointing costs before any server does anything;
- ``runs.wait`` latency p50/p95 at concurrency 1 and 16, and the overhead beyond LLM time;
- background-run throughput: 500 runs created (32 requests in flight), then joined
  (``--runs`` and ``--no-peer`` make a short smoke run).

The same workload then runs against ``langgraph dev`` (langgraph-cli[inmem], from the venv the
conformance suite provisions) with the same graph and LLM. Targets (issue 4): overhead p50
≤ 15 ms; background throughput ≥ 2× ``langgraph dev``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx
import psycopg
from langchain_core.runnables import RunnableConfig
from langchain_openai import ChatOpenAI
from langgraph_sdk import get_client
from sqlalchemy.engine import make_url

from bench.report import summary, write_section
from bench.startup import free_port
from colmeia import migrations
from colmeia.agents.checkpointer import open_checkpointer
from colmeia.agents.config import EXAMPLES_CONFIG
from colmeia.agents.examples import chat as chat_example
from colmeia.config import Settings, WorkerSettings
from colmeia.db import create_engine, make_sessionmaker, unit_of_work
from colmeia.keys.service import key as key_service
from colmeia.models import Role
from colmeia.users.service import user as user_service

LLM_TTFT_MS = 50
SECRET = "bench-secret-not-for-production"
PEER_VENV = Path.home() / ".cache" / "colmeia" / "langgraph-dev-venv"
MESSAGE = {"messages": [{"role": "user", "content": "hello there"}]}
BACKGROUND_RUNS = 500
PEER = "langgraph dev (inmem)"
FLOOR = "LangGraph in-process, same checkpointer (floor)"
CLIENT_CONCURRENCY = 32  # requests in flight from the client, as a well-behaved caller does
WARM_UP_RUNS = 20
"""Sequential runs before measuring, on every server: a worker process's first runs import and
connect what the graph needs (~300 ms), and one warm-up run reaches one worker of two only."""


@contextmanager
def _process(
    argv: list[str], env: dict[str, str], log: Path, cwd: Path | None = None
) -> Iterator[None]:
    with log.open("wb") as sink:
        process = subprocess.Popen(argv, env=env, stdout=sink, stderr=subprocess.STDOUT, cwd=cwd)
        try:
            yield
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


def _wait_http(url: str, timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer")


async def _credential(database_url: str) -> str:
    engine = create_engine(database_url)
    settings = Settings(_env_file=None, auth={"secret_key": SECRET})
    from colmeia.auth.secret import server_pepper

    async with unit_of_work(make_sessionmaker(engine)) as session:
        owner = await user_service.create(
            session, email="bench@example.test", tenant_name="bench", role=Role.user
        )
        _, material = await key_service.create(
            session, owner, name="bench", scopes=[], pepper=server_pepper(settings)
        )
    await engine.dispose()
    return material.plaintext


async def _timed(
    call: Callable[[], Awaitable[object]], count: int, concurrency: int
) -> list[float]:
    gate = asyncio.Semaphore(concurrency)
    latencies: list[float] = []

    async def one() -> None:
        async with gate:
            started = time.perf_counter()
            await call()
            latencies.append((time.perf_counter() - started) * 1000)

    await asyncio.gather(*(one() for _ in range(count)))
    return latencies


async def _baseline(llm: str) -> list[float]:
    model = ChatOpenAI(model="gpt-4o-mini", base_url=llm, api_key="bench")
    await model.ainvoke("warm up")
    return await _timed(lambda: model.ainvoke("hello there"), 30, 1)


async def _floor(llm: str, database_url: str, workdir: Path, waits: int) -> list[float]:
    """The example ``chat`` graph on Colmeia's checkpointer, invoked in-process (see module doc)."""
    os.environ.update(OPENAI_BASE_URL=llm, OPENAI_API_KEY="bench")  # what the graph's model reads
    async with open_checkpointer(database_url, workdir / "floor") as checkpointer:
        graph = chat_example.builder.compile(checkpointer=checkpointer)

        async def one() -> None:
            config: RunnableConfig = {"configurable": {"thread_id": str(uuid.uuid4())}}
            await graph.ainvoke(MESSAGE, config, durability="sync")

        for _ in range(WARM_UP_RUNS):
            await one()
        return await _timed(one, waits, 1)


async def _measure(api: str, key: str | None, runs: int, waits: int) -> dict[str, object]:
    """The same client workload against any Agent Protocol server."""
    async with get_client(url=api, api_key=key, timeout=600) as sdk:  # a worker may start slowly
        for _ in range(WARM_UP_RUNS):
            await sdk.runs.wait(None, "chat", input=MESSAGE)
        c1 = await _timed(lambda: sdk.runs.wait(None, "chat", input=MESSAGE), waits, 1)
        c16 = await _timed(lambda: sdk.runs.wait(None, "chat", input=MESSAGE), 4 * waits, 16)
        threads = [(await sdk.threads.create())["thread_id"] for _ in range(runs)]
        gate = asyncio.Semaphore(CLIENT_CONCURRENCY)

        async def create(thread_id: str) -> dict[str, str]:
            async with gate:
                return dict(await sdk.runs.create(thread_id, "chat", input=MESSAGE))

        async def join(run: dict[str, str]) -> None:
            async with gate:
                await sdk.runs.join(run["thread_id"], run["run_id"])

        started = time.perf_counter()
        created = await asyncio.gather(*(create(thread_id) for thread_id in threads))
        await asyncio.gather(*(join(run) for run in created))
        elapsed = time.perf_counter() - started
    return {"c1": c1, "c16": c16, "throughput": runs / elapsed}


def _environment(workdir: Path, redis_url: str, llm: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        COLMEIA_DATA_DIR=str(workdir / "data"),
        COLMEIA_DATABASE__URL=f"sqlite:///{workdir / 'bench.db'}",
        COLMEIA_REDIS__URL=redis_url,
        COLMEIA_AUTH__SECRET_KEY=SECRET,
        COLMEIA_LLM__BASE_URL=llm,
        COLMEIA_LIMITS__ENABLED="false",
        COLMEIA_LOG_LEVEL="WARNING",
    )
    return env


@contextmanager
def ledger_database(server_url: str | None, workdir: Path) -> Iterator[str]:
    """A fresh PostgreSQL database on ``server_url`` (dropped afterwards), or with no URL a
    SQLite file in ``workdir``."""
    if not server_url:
        yield f"sqlite:///{workdir / 'bench.db'}"
        return
    name = f"colmeia_bench_{uuid.uuid4().hex[:12]}"
    admin = make_url(server_url).set(drivername="postgresql")
    conninfo = admin.render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield admin.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(conninfo, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _redis(stack: ExitStack, workdir: Path) -> str:
    configured = os.environ.get("COLMEIA_TEST_REDIS_URL")
    if configured:
        return configured
    from colmeia.embedded.redis_server import EmbeddedRedis

    return stack.enter_context(EmbeddedRedis(workdir / "redis")).url


def _peer(stack: ExitStack, workdir: Path, llm: str) -> str | None:
    """``langgraph dev`` serving the same example graph, when its venv exists."""
    venv = Path(os.environ.get("COLMEIA_TEST_LANGGRAPH_DEV_VENV", PEER_VENV))
    if not (venv / "bin" / "langgraph").exists():
        return None
    port = free_port()
    env = dict(os.environ, OPENAI_BASE_URL=llm, OPENAI_API_KEY="bench")
    argv = [str(venv / "bin" / "langgraph"), "dev", "--config", str(EXAMPLES_CONFIG)]
    argv += ["--port", str(port), "--no-browser", "--no-reload"]
    stack.enter_context(_process(argv, env, workdir / "peer.log", cwd=EXAMPLES_CONFIG.parent))
    try:
        _wait_http(f"http://127.0.0.1:{port}/ok", timeout_s=180)
    except RuntimeError:
        print((workdir / "peer.log").read_text()[-2000:])
        return None
    return f"http://127.0.0.1:{port}"


def run(options: argparse.Namespace) -> dict[str, dict[str, object]]:
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        workdir = Path(tmp)
        llm_port, api_port = free_port(), free_port()
        llm = f"http://127.0.0.1:{llm_port}/v1"
        env = _environment(workdir, _redis(stack, workdir), llm)
        env["COLMEIA_DATABASE__URL"] = stack.enter_context(
            ledger_database(options.database_url, workdir)
        )
        env["COLMEIA_SERVER__PORT"] = str(api_port)
        migrations.upgrade(env["COLMEIA_DATABASE__URL"])
        key = asyncio.run(_credential(env["COLMEIA_DATABASE__URL"]))
        colmeia = [sys.executable, "-m", "colmeia"]
        sim = [*colmeia, "sim-llm", "--port", str(llm_port), "--ttft-ms", str(LLM_TTFT_MS)]
        stack.enter_context(_process(sim, env, workdir / "llm.log"))
        _wait_http(f"{llm}/models")
        results: dict[str, dict[str, object]] = {"baseline": {"c1": asyncio.run(_baseline(llm))}}
        floor = _floor(llm, env["COLMEIA_DATABASE__URL"], workdir, options.waits)
        results[FLOOR] = {"c1": asyncio.run(floor)}
        for processes in sorted({1, options.worker_processes}, reverse=True):
            name = f"Colmeia, {processes} worker process{'es' if processes > 1 else ''}"
            results[name] = _colmeia(env, workdir, api_port, key, processes, options)
        peer_url = None if options.no_peer else _peer(stack, workdir, llm)
        if peer_url is not None:
            results[PEER] = asyncio.run(_measure(peer_url, None, options.runs, options.waits))
        return results


def _colmeia(
    env: dict[str, str],
    workdir: Path,
    api_port: int,
    key: str,
    processes: int,
    options: argparse.Namespace,
) -> dict[str, object]:
    """One API process and ``processes`` worker processes, measured, then stopped."""
    colmeia = [sys.executable, "-m", "colmeia"]
    with ExitStack() as stack:
        stack.enter_context(_process([*colmeia, "api"], env, workdir / "api.log"))
        worker = [*colmeia, "worker", "--concurrency", "32"]
        for index in range(processes):
            stack.enter_context(_process(worker, env, workdir / f"worker-{index}.log"))
        api = f"http://127.0.0.1:{api_port}"
        try:
            _wait_http(f"{api}/healthz", timeout_s=600)  # slow on a loaded machine
            return asyncio.run(_measure(api, key, options.runs, options.waits))
        except Exception:
            print((workdir / "api.log").read_text()[-3000:])
            raise


def _rows(results: dict[str, dict[str, object]]) -> list[str]:
    base50, base95 = summary(results["baseline"]["c1"])  # type: ignore[arg-type]
    peer = results.get(PEER)
    rows = [
        "| server | runs.wait c=1 p50 / p95 ms | overhead p50 ms | c=16 p50 / p95 ms "
        "| background runs/s | × langgraph dev |",
        "|---|---|---|---|---|---|",
        f"| ChatOpenAI → simulated LLM directly (baseline) | {base50:.1f} / {base95:.1f} "
        "| — | — | — | — |",
    ]
    floor50, floor95 = summary(results[FLOOR]["c1"])  # type: ignore[arg-type]
    rows.append(f"| {FLOOR} | {floor50:.1f} / {floor95:.1f} | {floor50 - base50:.1f} | — | — | — |")
    for name, figures in results.items():
        if name in ("baseline", FLOOR):
            continue
        c1 = summary(figures["c1"])  # type: ignore[arg-type]
        c16 = summary(figures["c16"])  # type: ignore[arg-type]
        throughput: float = figures["throughput"]  # type: ignore[assignment]
        ratio = "—" if peer is None else f"{throughput / peer['throughput']:.2f}"  # type: ignore[operator]
        rows.append(
            f"| {name} | {c1[0]:.1f} / {c1[1]:.1f} | {c1[0] - base50:.1f} "
            f"| {c16[0]:.1f} / {c16[1]:.1f} | {throughput:.1f} | {ratio} |"
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else "")
    parser.add_argument("--runs", type=int, default=BACKGROUND_RUNS, help="background runs")
    parser.add_argument("--waits", type=int, default=40, help="runs.wait calls at c=1 (×4 at c=16)")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("COLMEIA_BENCH_DATABASE_URL"),
        help="PostgreSQL server URL (a fresh database is created on it); default SQLite",
    )
    parser.add_argument(
        "--worker-processes",
        type=int,
        default=WorkerSettings().processes,
        help="worker processes (default: as many as `colmeia up` starts here); 1 is measured too",
    )
    parser.add_argument("--no-peer", action="store_true", help="skip langgraph dev")
    parser.add_argument("--no-write", action="store_true", help="print, do not update the doc")
    options = parser.parse_args()
    results = run(options)
    database = "PostgreSQL" if options.database_url else "SQLite"
    peer = PEER in results
    body = "\n".join(
        [
            __doc__.split("\n\n")[1].strip() if __doc__ else "",
            "",
            *_rows(results),
            "",
            f"Floor: the same graph compiled with the checkpointer Colmeia gives runs ({database}, "
            "durability `sync`) and invoked in the bench process, with no server, queue or "
            "ledger: what LangGraph's own durable checkpointing costs before a server does "
            "anything.",
            "",
            f"Background: {options.runs} runs created (≤ {CLIENT_CONCURRENCY} requests in "
            f"flight), all joined. Colmeia: one API process, {database} ledger, worker processes "
            f"as `colmeia up` starts them on this machine ({options.worker_processes}: one per "
            "CPU, at most 4) and one alone; langgraph dev: one process, everything in memory.",
            ""
            if peer
            else "`langgraph dev` was not measured (--no-peer)."
            if options.no_peer
            else "`langgraph dev` was not measured: no venv with langgraph-cli[inmem] "
            "(the conformance suite creates one).",
        ]
    )
    print(body)
    if not options.no_write:
        write_section("agent_runs", body)


if __name__ == "__main__":
    main()
