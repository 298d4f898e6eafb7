"""Real Colmeia processes the chaos suite starts, kills and restarts.

Workers and the API run as ``python -m colmeia …`` children with the settings in their
environment, exactly as deployed; a kill is a real SIGKILL (no cleanup runs) and a warm
shutdown a real SIGTERM.
"""

from __future__ import annotations

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


def lease_owner(pid: int) -> str:
    """The lease owner a worker process writes on its claims (see `AgentRuntime`)."""
    return f"{socket.gethostname()}:{pid}"


@dataclass
class Fleet:
    """Worker processes on one environment; each keeps its own log file."""

    env: dict[str, str]
    logs: Path
    concurrency: int
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    kills: list[Kill] = field(default_factory=list)

    def start(self) -> subprocess.Popen[bytes]:
        self.logs.mkdir(parents=True, exist_ok=True)
        log = self.logs / f"worker-{len(self.processes)}.log"
        with log.open("wb") as sink:
            process = subprocess.Popen(
                [sys.executable, "-m", "colmeia", "worker", f"--concurrency={self.concurrency}"],
                env=self.env,
                stdout=sink,
                stderr=subprocess.STDOUT,
            )
        self.processes.append(process)
        return process

    def alive(self) -> list[subprocess.Popen[bytes]]:
        return [process for process in self.processes if process.poll() is None]

    def kill(self, process: subprocess.Popen[bytes]) -> Kill:
        """SIGKILL ``process``; the kill time is taken just before the signal, so recovery
        figures never flatter us."""
        at = datetime.now(UTC)
        process.kill()
        process.wait()
        kill = Kill(lease_owner(process.pid), at)
        self.kills.append(kill)
        return kill

    def terminate(self, process: subprocess.Popen[bytes]) -> None:
        """Warm shutdown: SIGTERM, then wait for the worker to drain and exit by itself."""
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=STOP_TIMEOUT_S)

    def stop(self) -> None:
        for process in self.alive():
            process.kill()
            process.wait()

    def log_tail(self, lines: int = 30) -> str:
        tails = []
        for log in sorted(self.logs.glob("worker-*.log")):
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

    def start(self, timeout_s: float = 60.0) -> None:
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



