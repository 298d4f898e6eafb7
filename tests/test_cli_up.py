"""``colmeia up`` end to end, as a new user runs it: a subprocess on a fresh data dir."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
import redis as redis_sync

from tests.fixtures.backends import free_port
from tests.fixtures.live import wait_for

pytestmark = pytest.mark.slow

KEY_PATTERN = re.compile(r"cmk_[0-9a-f]{8}_[A-Za-z0-9_-]+")


@dataclass
class Stack:
    process: subprocess.Popen[str]
    base: str
    sim_port: int
    data_dir: Path
    lines: list[str] = field(default_factory=list)

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def printed_key(self) -> str | None:
        match = KEY_PATTERN.search(self.output)
        return match.group(0) if match else None


def _clean_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COLMEIA_")}
    for name in ("DATABASE_URL", "REDIS_URL", "OPENAI_API_KEY", "OPENAI_BASE_URL"):
        env.pop(name, None)
    env["HOME"] = str(tmp_path)
    return env


@contextmanager
def colmeia_up(data_dir: Path, tmp_path: Path) -> Iterator[Stack]:
    port, sim_port = free_port(), free_port()
    env = _clean_env(tmp_path) | {
        "COLMEIA_LLM__SIMULATED_PORT": str(sim_port),
        "COLMEIA_WORKER__PROCESSES": "2",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "colmeia", "up", "--port", str(port), "--data-dir", str(data_dir)],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    stack = Stack(process, f"http://127.0.0.1:{port}", sim_port, data_dir)
    assert process.stdout is not None
    reader = threading.Thread(target=lambda: stack.lines.extend(process.stdout or []), daemon=True)
    reader.start()
    try:
        ready = wait_for(lambda: "colmeia ready" in stack.output, timeout_s=60)
        assert ready, stack.output
        yield stack
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            process.wait(timeout=60)
        reader.join(timeout=5)
        if process.stdout is not None:
            process.stdout.close()


def _answers(url: str) -> bool:
    try:
        httpx.get(url, timeout=1)
    except httpx.HTTPError:
        return False
    return True


def _live_workers(base: str) -> str | None:
    detail: str | None = httpx.get(f"{base}/readyz").json()["components"]["worker"]["detail"]
    return detail


def _processes_mentioning(text: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            state = (entry / "stat").read_text().split(") ", 1)[1][0]
        except (OSError, IndexError):
            continue
        if text in cmdline and state != "Z":
            found.append(int(entry.name))
    return found


class TestColmeiaUp:
    def test_ready_authenticated_and_clean_stop(self, tmp_path: Path) -> None:
        data_dir = tmp_path / "data"
        with colmeia_up(data_dir, tmp_path) as stack:
            key = stack.printed_key()
            assert key is not None, stack.output
            assert "SIMULATED" in stack.output
            readiness = httpx.get(f"{stack.base}/readyz").json()
            assert readiness["status"] == "ready"
            assert {c["status"] for c in readiness["components"].values()} == {"up"}
            # Both worker processes report in (readiness needed only the first).
            assert wait_for(lambda: _live_workers(stack.base) == "2 live", timeout_s=60)
            me = httpx.get(f"{stack.base}/me", headers={"Authorization": f"Bearer {key}"})
            assert me.status_code == 200
            assert me.json()["roles"] == ["admin"]
            anonymous = httpx.get(f"{stack.base}/me")
            assert anonymous.status_code == 401
            assert anonymous.json()["error"]["code"] == "unauthenticated"
            stack.process.send_signal(signal.SIGINT)
            assert stack.process.wait(timeout=60) == 0
        assert "colmeia stopped" in stack.output
        assert not _answers(f"{stack.base}/healthz")
        assert not _answers(f"http://127.0.0.1:{stack.sim_port}/v1/models")
        assert _processes_mentioning(str(data_dir)) == []
        assert (data_dir / "colmeia.db").exists()

    def test_survives_sigkill_and_keeps_data(self, tmp_path: Path) -> None:
        data_dir = tmp_path / "data"
        with colmeia_up(data_dir, tmp_path) as first:
            key = first.printed_key()
            assert key is not None
            socket = data_dir / "redis" / "redis.sock"
            with redis_sync.Redis(unix_socket_path=str(socket)) as client:
                client.set("kept", "yes")
            first.process.kill()
            first.process.wait(timeout=10)
            # API, worker and LLM die with their parent; the Redis orphan is left for cleanup.
            assert wait_for(lambda: not _answers(f"{first.base}/healthz"), timeout_s=20)
        time.sleep(1.5)  # let the AOF's once-per-second fsync pass before the new start
        with colmeia_up(data_dir, tmp_path) as second:
            assert second.printed_key() is None, "a restart must not create another admin key"
            me = httpx.get(f"{second.base}/me", headers={"x-api-key": key})
            assert me.status_code == 200
            with redis_sync.Redis(unix_socket_path=str(socket)) as client:
                assert client.get("kept") == b"yes"
        assert _processes_mentioning(str(data_dir)) == []
