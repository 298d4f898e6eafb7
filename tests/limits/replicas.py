"""Several real ``colmeia api`` processes on one Redis, and a paced load across them.

Shared by the cross-replica test and ``bench/limits.py``.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from colmeia import migrations
from colmeia.config import Settings
from tests.conftest import TEST_SECRET
from tests.fixtures.backends import free_port
from tests.fixtures.live import settings_env


@dataclass(frozen=True)
class Outcome:
    sent_at: float
    received_at: float
    status: int
    headers: dict[str, str]


def sqlite_settings(directory: Path, redis_url: str) -> Settings:
    """Settings for `api_process` on a migrated SQLite database in ``directory``: these tests
    are about the process and Redis, and API processes start slowly, so they do not repeat on
    PostgreSQL (the DB paths they touch are covered on both elsewhere)."""
    database = f"sqlite:///{directory / 'colmeia.db'}"
    migrations.upgrade(database)
    return Settings(
        _env_file=None,
        data_dir=directory / "data",
        database={"url": database},
        redis={"url": redis_url},
        auth={"secret_key": TEST_SECRET},
    )


@contextmanager
def api_process(settings: Settings, extra_env: dict[str, str]) -> Iterator[str]:
    """One ``colmeia api`` process; its base URL once ``/healthz`` answers."""
    port = free_port()
    env = settings_env(settings) | extra_env
    env |= {"COLMEIA_SERVER__PORT": str(port), "COLMEIA_LOG_LEVEL": "WARNING"}
    process = subprocess.Popen(
        [sys.executable, "-m", "colmeia", "api"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"colmeia api did not start (exit {process.returncode})")
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def api_replicas(settings: Settings, count: int, extra_env: dict[str, str]) -> Iterator[list[str]]:
    with ExitStack() as stack:
        yield [stack.enter_context(api_process(settings, extra_env)) for _ in range(count)]


def offer(
    bases: list[str], path: str, headers: dict[str, str], total: int, duration_s: float
) -> list[Outcome]:
    """Send ``total`` requests evenly paced over ``duration_s``, round-robin over ``bases``."""
    start = time.monotonic() + 0.2
    clients = [httpx.Client(base_url=base, headers=headers, timeout=30) for base in bases]

    def one(index: int) -> Outcome:
        delay = start + index * duration_s / total - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        sent = time.monotonic()
        response = clients[index % len(clients)].get(path)
        return Outcome(sent, time.monotonic(), response.status_code, dict(response.headers))

    try:
        with ThreadPoolExecutor(max_workers=16) as pool:
            return list(pool.map(one, range(total)))
    finally:
        for client in clients:
            client.close()


def worst_window(outcomes: list[Outcome], limit: int, window_s: float) -> float:
    """The shortest span certainly containing ``limit + 1`` accepted requests' server-side
    hits: each hit lies between its send and receive time. A value under ``window_s`` proves
    the limit was broken; it is ``inf`` when fewer than ``limit + 1`` were accepted."""
    accepted = sorted((o for o in outcomes if o.status == 200), key=lambda o: o.sent_at)
    shortest = float("inf")
    for i in range(len(accepted) - limit):
        group = accepted[i : i + limit + 1]
        shortest = min(shortest, max(o.received_at for o in group) - group[0].sent_at)
    return shortest
