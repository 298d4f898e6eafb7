"""Time to ready for ``colmeia up``: 5 first starts (fresh data dir) and 5 restarts.

The baseline, measured in the same run, is a bare uvicorn "hello" app started the same way:
it is the floor any Python ASGI service pays, so the ratio shows what Colmeia adds (embedded
Redis, migrations, a Celery worker, the simulated LLM, the readiness probes).
Target (issue: service foundation): ready ≤ 10 s.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from bench.report import summary, write_section

RUNS = 5
HELLO = "async def app(scope, receive, send):\n" + (
    "    if scope['type'] != 'http': return\n"
    "    await send({'type': 'http.response.start', 'status': 200, 'headers': []})\n"
    "    await send({'type': 'http.response.body', 'body': b'ok'})\n"
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _time_to_ready(argv: list[str], url: str, env: dict[str, str], cwd: Path) -> float:
    started = time.perf_counter()
    process = subprocess.Popen(
        argv, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        with httpx.Client(timeout=1) as client:
            while time.perf_counter() - started < 60:
                try:
                    if client.get(url).status_code == 200:
                        return time.perf_counter() - started
                except httpx.HTTPError:
                    pass
                time.sleep(0.02)
        raise RuntimeError(f"{argv} not ready in 60 s")
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=60)


def colmeia(data_dir: Path, env: dict[str, str]) -> float:
    port = free_port()
    env = env | {"COLMEIA_LLM__SIMULATED_PORT": str(free_port())}
    argv = [sys.executable, "-m", "colmeia", "up", "--port", str(port), "--data-dir", str(data_dir)]
    return _time_to_ready(argv, f"http://127.0.0.1:{port}/readyz", env, data_dir.parent)


def baseline(workdir: Path, env: dict[str, str]) -> float:
    (workdir / "hello.py").write_text(HELLO)
    port = free_port()
    argv = [
        sys.executable,
        "-m",
        "uvicorn",
        "hello:app",
        "--port",
        str(port),
        "--log-level",
        "error",
    ]
    return _time_to_ready(argv, f"http://127.0.0.1:{port}/", env, workdir)


def main() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COLMEIA_")}
    for name in ("DATABASE_URL", "REDIS_URL", "OPENAI_API_KEY", "OPENAI_BASE_URL"):
        env.pop(name, None)
    first, restart, bare = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(RUNS):
            data_dir = Path(tmp) / f"run{run}" / "data"
            data_dir.parent.mkdir(parents=True)
            first.append(colmeia(data_dir, env))
            restart.append(colmeia(data_dir, env))
            bare.append(baseline(data_dir.parent, env))
    rows = []
    for label, values in (("first start", first), ("restart", restart), ("bare uvicorn", bare)):
        median, p95 = summary(values)
        rows.append(f"| {label} | {median:.2f} | {p95:.2f} | {median / summary(bare)[0]:.1f}× |")
        print(f"{label:14s} median {median:.2f} s  p95 {p95:.2f} s")
    body = (
        f"`colmeia up` to `/readyz` = 200, {RUNS} runs each (target ≤ 10 s).\n\n"
        "| start | median s | p95 s | vs bare uvicorn |\n|---|---|---|---|\n" + "\n".join(rows)
    )
    write_section("startup", body)


if __name__ == "__main__":
    main()
