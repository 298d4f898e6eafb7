"""Real Colmeia processes the chaos suite starts, kills and restarts.

Workers and the API run as ``python -m colmeia …`` children with the settings in their
environment, exactly as deployed; a kill is a real SIGKILL (no cleanup runs) and a warm
shutdown a real SIGTERM.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx

from tests.chaos.ledger import Kill
from tests.fixtures.backends import free_port
from tests.fixtures.live import wait_for

STOP_TIMEOUT_S = 60.0
REPO = Path(__file__).resolve().parents[2]


def lease_owner(pid: int) -> str:
    """The lease owner a worker process writes on its claims (see `AgentRuntime`)."""
    return f"{socket.gethostname()}:{pid}"


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


@dataclass
class Fleet:
    """Worker processes on one environment, forked warm by a `zygote`; each has its own log."""

    env: dict[str, str]
    logs: Path
    concurrency: int
    pids: list[int] = field(default_factory=list)
    kills: list[Kill] = field(default_factory=list)
    zygote: subprocess.Popen[str] | None = None

    def __enter__(self) -> Fleet:
        self.logs.mkdir(parents=True, exist_ok=True)
        with (self.logs / "zygote.log").open("wb") as errors:
            self.zygote = subprocess.Popen(
                [sys.executable, "-m", "tests.chaos.zygote"],
                env=self.env,
                cwd=REPO,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=errors,
                text=True,
            )
        assert self.zygote.stdout is not None
        ready = self.zygote.stdout.readline().strip()
        if ready != "ready":
            raise RuntimeError(f"the worker zygote did not start: {ready!r}")
        return self

    def __exit__(self, *exc_info: object) -> None:
        for pid in self.alive():
            os.kill(pid, signal.SIGKILL)
        wait_for(lambda: not self.alive(), 10, 0.05)
        if self.zygote is not None:
            self.zygote.kill()
            self.zygote.communicate()  # closes the pipes too

    def start(self) -> int:
        assert self.zygote is not None
        assert self.zygote.stdin is not None
        assert self.zygote.stdout is not None
        log = self.logs / f"worker-{len(self.pids)}.log"
        self.zygote.stdin.write(f"spawn {log} {self.concurrency}\n")
        self.zygote.stdin.flush()
        pid = int(self.zygote.stdout.readline())
        self.pids.append(pid)
        return pid

    def alive(self) -> list[int]:
        return [pid for pid in self.pids if not _gone(pid)]

    def kill(self, pid: int) -> Kill:
        """SIGKILL ``pid``; the kill time is taken just before the signal, so recovery
        figures never flatter us."""
        at = datetime.now(UTC)
        os.kill(pid, signal.SIGKILL)
        if not wait_for(lambda: _gone(pid), 10, 0.01):
            raise RuntimeError(f"worker {pid} survived SIGKILL")
        kill = Kill(lease_owner(pid), at)
        self.kills.append(kill)
        return kill

    def terminate(self, pid: int, timeout_s: float = STOP_TIMEOUT_S) -> bool:
        """Warm shutdown: SIGTERM, then wait for the worker to drain and exit by itself."""
        os.kill(pid, signal.SIGTERM)
        return wait_for(lambda: _gone(pid), timeout_s, 0.05)

    def log_tail(self, lines: int = 30) -> str:
        tails = []
        for log in sorted(self.logs.glob("*.log")):
            text = log.read_text(errors="replace").splitlines()[-lines:]
            tails.append(f"--- {log.name}\n" + "\n".join(text))
        return "\n".join(tails)


@dataclass
class ApiProcess:
    """``colmeia api`` on a fixed port, so a restarted API answers where clients retry."""

    env: dict[str, str]
    log: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout_s: float = 180.0) -> None:
        """Start ``colmeia api`` and return once it answers (a loaded machine needs minutes)."""
        env = {
            **self.env,
            "COLMEIA_SERVER__HOST": "127.0.0.1",
            "COLMEIA_SERVER__PORT": str(self.port),
        }
        self.starts += 1
        with self.log.with_suffix(f".{self.starts}.log").open("wb") as sink:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "colmeia", "api"],
                env=env,
                stdout=sink,
                stderr=subprocess.STDOUT,
            )
        if not wait_for(self._ready, timeout_s, 0.1):
            self.stop()
            raise RuntimeError(f"the API did not start on {self.url}")

    def _ready(self) -> bool:
        assert self.process is not None
        if self.process.poll() is not None:
            raise RuntimeError(f"the API exited with {self.process.returncode}")
        try:
            return httpx.get(f"{self.url}/healthz", timeout=1).status_code < 500
        except httpx.HTTPError:
            return False

    def kill(self) -> None:
        assert self.process is not None
        self.process.kill()
        self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def pause(seconds: float) -> None:
    """Pacing of the chaos itself (how often to kill), never a wait for an outcome."""
    time.sleep(seconds)
