"""The run queue on its own (issue 9): enqueue→start latency, throughput, recovery after a kill.

One API process and one or two ``colmeia worker`` processes serve a graph that makes no LLM
call (``bench/graphs/noop.py``), so every figure is queue + ledger + worker cost. Each broker
(Redis, RabbitMQ) is measured in the same run, on the same ledger database:

- enqueue→start: ``started_at − created_at`` of the ledger row (commit, send, broker, pickup,
  claim), for runs created one at a time;
- throughput: a burst of runs created through the API (≤ 32 requests in flight), with 1 and
  with 2 worker processes; runs/s = runs ÷ (last ``ended_at`` − first ``created_at``);
- recovery: a worker is SIGKILLed while its run sleeps, a fresh worker starts at once (its
  start-up counts), and the time from the kill to the run's success is measured (bounded by
  the time limit).

Targets (issue 9): enqueue→start p50 ≤ 10 ms; ≥ 60 runs/s.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from langgraph_sdk import get_client
from langgraph_sdk.client import LangGraphClient
from sqlalchemy import select

from bench.agent_runs import (
    _credential,
    _environment,
    _process,
    _redis,
    _wait_http,
    ledger_database,
)
from bench.report import percentile, summary, write_section
from bench.startup import free_port
from colmeia import migrations
from colmeia.db import create_engine, make_sessionmaker
from colmeia.models import Run, RunStatus

GRAPHS = Path(__file__).parent / "graphs" / "langgraph.json"
AMQP = "amqp://guest:guest@127.0.0.1:5672"
CLIENT_CONCURRENCY = 32
WORKER_CONCURRENCY = 32
LEASE_S = 5.0  # short, so a reaper (when there is one) can recover a killed worker's run soon
KILLED_RUN_SLEEP_S = 3.0
SDK_TIMEOUT_S = 600  # the first run waits for a worker to start, slow on a loaded machine


@dataclass
class BrokerFigures:
    latencies_ms: list[float] = field(default_factory=list)
    throughput: dict[int, float] = field(default_factory=dict)
    """workers → runs/s."""
    burst_latencies_ms: dict[int, list[float]] = field(default_factory=dict)
    recovery_s: float | None = None
    recovery_note: str = ""


@contextmanager
def _workers(count: int, env: dict[str, str], workdir: Path, tag: str) -> Iterator[None]:
    argv = [sys.executable, "-m", "colmeia", "worker", "--concurrency", str(WORKER_CONCURRENCY)]
    with ExitStack() as stack:
        for index in range(count):
            log = workdir / f"worker-{tag}-{index}.log"
            stack.enter_context(_process(argv, env, log))
        yield


async def _rows(database_url: str, batch: str) -> list[Run]:
    engine = create_engine(database_url)
    try:
        async with make_sessionmaker(engine)() as session:
            statement = select(Run).where(Run.metadata_["batch"].as_string() == batch)
            return list((await session.execute(statement)).scalars())
    finally:
        await engine.dispose()


def _ms(rows: list[Run]) -> list[float]:
    return [
        (row.started_at - row.created_at).total_seconds() * 1000
        for row in rows
        if row.started_at is not None
    ]


async def _create(sdk: LangGraphClient, batch: str, count: int, concurrency: int) -> None:
    gate = asyncio.Semaphore(concurrency)

    async def one() -> None:
        async with gate:
            await sdk.runs.create(
                None, "noop", input={}, metadata={"batch": batch}, on_completion="keep"
            )

    await asyncio.gather(*(one() for _ in range(count)))


async def _until_done(database_url: str, batch: str, count: int, timeout_s: float) -> list[Run]:
    deadline = time.monotonic() + timeout_s
    while True:
        rows = await _rows(database_url, batch)
        ended = [row for row in rows if row.ended_at is not None]
        if len(ended) >= count or time.monotonic() > deadline:
            return rows
        await asyncio.sleep(0.5)


async def _latency(api: str, key: str, database_url: str, count: int) -> list[float]:
    """Runs created one at a time, each waited for: the queue is empty at every enqueue."""
    batch = f"latency-{uuid.uuid4().hex[:8]}"
    async with get_client(url=api, api_key=key, timeout=SDK_TIMEOUT_S) as sdk:
        await sdk.runs.wait(None, "noop", input={})  # warm the worker's graph and pools
        for _ in range(count):  # kept: a stateless run's thread (and run) is deleted otherwise
            await sdk.runs.wait(
                None, "noop", input={}, metadata={"batch": batch}, on_completion="keep"
            )
    return _ms(await _rows(database_url, batch))


async def _burst(api: str, key: str, database_url: str, count: int) -> tuple[float, list[float]]:
    batch = f"burst-{uuid.uuid4().hex[:8]}"
    async with get_client(url=api, api_key=key, timeout=SDK_TIMEOUT_S) as sdk:
        await sdk.runs.wait(None, "noop", input={})
        await _create(sdk, batch, count, CLIENT_CONCURRENCY)
    rows = await _until_done(database_url, batch, count, timeout_s=max(300.0, float(count)))
    done = [row for row in rows if row.status == RunStatus.success and row.ended_at]
    if len(done) < count:
        raise RuntimeError(f"only {len(done)} of {count} runs succeeded")
    first = min(row.created_at for row in done)
    last = max(row.ended_at for row in done if row.ended_at is not None)
    return count / (last - first).total_seconds(), _ms(done)


async def _started(database_url: str, batch: str, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        rows = await _rows(database_url, batch)
        if rows and rows[0].status == RunStatus.running:
            return True
        await asyncio.sleep(0.05)
    return False


def _recovery(
    api: str, key: str, env: dict[str, str], workdir: Path, tag: str, limit_s: float
) -> tuple[float | None, str]:
    """Kill the worker running a sleeping run; time until a fresh worker finishes it."""
    database_url = env["COLMEIA_DATABASE__URL"]
    batch = f"kill-{uuid.uuid4().hex[:8]}"
    argv = [sys.executable, "-m", "colmeia", "worker", "--concurrency", str(WORKER_CONCURRENCY)]
    log = (workdir / f"worker-{tag}-victim.log").open("wb")
    victim = subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:

        async def start() -> bool:
            async with get_client(url=api, api_key=key, timeout=SDK_TIMEOUT_S) as sdk:
                await sdk.runs.wait(None, "noop", input={})  # the victim is up and warm
                thread = await sdk.threads.create()
                await sdk.runs.create(
                    thread["thread_id"],
                    "noop",
                    input={"sleep_s": KILLED_RUN_SLEEP_S},
                    metadata={"batch": batch},
                )
            return await _started(database_url, batch, 30)

        if not asyncio.run(start()):
            return None, "the probe run never started"
        victim.send_signal(signal.SIGKILL)
        killed_at = time.monotonic()
        victim.wait()
    finally:
        if victim.poll() is None:
            victim.kill()
        log.close()
    with _workers(1, env, workdir, f"{tag}-successor"):
        rows = asyncio.run(_until_done(database_url, batch, 1, limit_s))
        recovered = time.monotonic() - killed_at
    status = rows[0].status if rows else None
    if status == RunStatus.success:
        return recovered, f"recovered (attempt {rows[0].attempt})"
    return None, f"not recovered within {limit_s:.0f} s (run {status.value if status else '?'})"


@contextmanager
def _amqp_vhost() -> Iterator[str | None]:
    """A private RabbitMQ vhost when ``rabbitmqctl`` is here; else the default one (the runs'
    queue name is unique per bench run either way). None when nothing answers on 5672."""
    try:
        socket.create_connection(("127.0.0.1", 5672), 1).close()
    except OSError:
        yield None
        return
    ctl = shutil.which("rabbitmqctl")
    if ctl is None:
        yield f"{AMQP}//"
        return
    vhost = f"colmeia-bench-{uuid.uuid4().hex[:8]}"
    subprocess.run([ctl, "add_vhost", vhost], check=True, capture_output=True)
    subprocess.run(
        [ctl, "set_permissions", "-p", vhost, "guest", ".*", ".*", ".*"],
        check=True,
        capture_output=True,
    )
    try:
        yield f"{AMQP}/{vhost}"
    finally:
        subprocess.run([ctl, "delete_vhost", vhost], check=False, capture_output=True)


def _measure_broker(
    name: str, env: dict[str, str], workdir: Path, key: str, options: argparse.Namespace
) -> BrokerFigures:
    figures = BrokerFigures()
    port = free_port()
    env = dict(env, COLMEIA_SERVER__PORT=str(port))
    database_url = env["COLMEIA_DATABASE__URL"]
    api = f"http://127.0.0.1:{port}"
    argv = [sys.executable, "-m", "colmeia", "api"]
    log = workdir / f"api-{name}.log"
    with _process(argv, env, log):
        try:
            _wait_http(f"{api}/healthz", timeout_s=600)  # slow on a loaded machine
        except RuntimeError:
            print(log.read_text()[-3000:])
            raise
        with _workers(1, env, workdir, f"{name}-latency"):
            figures.latencies_ms = asyncio.run(_latency(api, key, database_url, options.latency))
        for count in (1, 2):
            with _workers(count, env, workdir, f"{name}-{count}"):
                rate, waits = asyncio.run(_burst(api, key, database_url, options.runs))
            figures.throughput[count] = rate
            figures.burst_latencies_ms[count] = waits
        figures.recovery_s, figures.recovery_note = _recovery(
            api, key, env, workdir, name, options.recovery_limit
        )
    print(f"{name}: done", flush=True)
    return figures


def run(options: argparse.Namespace) -> tuple[dict[str, BrokerFigures], str]:
    with ExitStack() as stack:
        if options.workdir:
            workdir = Path(options.workdir)
            workdir.mkdir(parents=True, exist_ok=True)
        else:
            workdir = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        database_url = stack.enter_context(ledger_database(options.database_url, workdir))
        redis_url = _redis(stack, workdir)
        env = _environment(workdir, redis_url, "http://127.0.0.1:9/v1")  # no LLM is called
        env.update(
            COLMEIA_DATABASE__URL=database_url,
            COLMEIA_AGENTS__CONFIG=str(GRAPHS),
            COLMEIA_AGENTS__QUEUE=f"colmeia.bench.{uuid.uuid4().hex[:8]}",
            COLMEIA_AGENTS__RUN_LEASE_S=str(LEASE_S),
        )
        migrations.upgrade(database_url)
        key = asyncio.run(_credential(database_url))
        results = {"Redis": _measure_broker("Redis", env, workdir, key, options)}
        amqp = stack.enter_context(_amqp_vhost())
        if amqp is not None:
            results["RabbitMQ"] = _measure_broker(
                "RabbitMQ", dict(env, COLMEIA_BROKER__URL=amqp), workdir, key, options
            )
        return results, "PostgreSQL" if options.database_url else "SQLite"


def _fmt(values: list[float]) -> str:
    if not values:
        return "—"
    median, p95 = summary(values)
    return f"{median:.1f} / {p95:.1f}"


def _body(results: dict[str, BrokerFigures], database: str, options: argparse.Namespace) -> str:
    rows = [
        "| broker | enqueue→start p50 / p95 ms (idle queue) | runs/s, 1 worker | runs/s, 2 workers "
        "| 2 / 1 workers | enqueue→start p50 / p95 ms in the burst (1 worker) "
        "| recovery after SIGKILL s |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, figures in results.items():
        one, two = figures.throughput.get(1, 0.0), figures.throughput.get(2, 0.0)
        recovery = (
            f"{figures.recovery_s:.1f} ({figures.recovery_note})"
            if figures.recovery_s is not None
            else figures.recovery_note
        )
        rows.append(
            f"| {name} | {_fmt(figures.latencies_ms)} | {one:.1f} | {two:.1f} "
            f"| {two / one if one else 0:.2f}× | {_fmt(figures.burst_latencies_ms.get(1, []))} "
            f"| {recovery} |"
        )
    if "Redis" in results and "RabbitMQ" in results:
        redis, rabbit = results["Redis"], results["RabbitMQ"]
        if redis.latencies_ms and rabbit.latencies_ms:
            ratio = percentile(rabbit.latencies_ms, 50) / percentile(redis.latencies_ms, 50)
            rows += ["", f"RabbitMQ / Redis enqueue→start p50: {ratio:.2f}×."]
    doc = __doc__ or ""
    return "\n".join(
        [
            "\n\n".join(doc.split("\n\n")[1:4]).strip(),  # what is measured, and how
            "",
            f"Ledger: **{database}**. Runs per burst: {options.runs}; idle-queue runs: "
            f"{options.latency}; worker concurrency {WORKER_CONCURRENCY} (prefetch = "
            f"concurrency); lease {LEASE_S:g} s.",
            "",
            *rows,
            "",
            "Recovery is bounded by the reaper (it re-enqueues runs whose lease expired); on a "
            "branch without it, Redis redelivers only after its visibility timeout and "
            "RabbitMQ's prompt redelivery loses the claim to the dead worker's unexpired lease, "
            f"so the run waits for the limit ({options.recovery_limit:.0f} s here).",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else "")
    parser.add_argument("--runs", type=int, default=1000, help="runs per throughput burst")
    parser.add_argument("--latency", type=int, default=200, help="runs for enqueue→start")
    parser.add_argument(
        "--recovery-limit", type=float, default=120.0, help="seconds to wait for a killed run"
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get("COLMEIA_BENCH_DATABASE_URL"),
        help="PostgreSQL server URL (a fresh database is created on it); default SQLite",
    )
    parser.add_argument("--workdir", help="keep logs and data here (default: a temporary dir)")
    parser.add_argument("--no-write", action="store_true", help="print, do not update the doc")
    options = parser.parse_args()
    results, database = run(options)
    body = _body(results, database, options)
    print(body)
    if not options.no_write:
        write_section("queue", body)


if __name__ == "__main__":
    main()
