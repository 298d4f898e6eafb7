"""``colmeia up``: one command runs the whole stack as supervised child processes.

Order: embedded Redis (when no ``REDIS_URL``) → migrations → first-admin seed → simulated LLM
(when no provider) → worker and API. Children get ``PR_SET_PDEATHSIG`` so a SIGKILLed ``up``
leaves no API, worker or LLM behind; the Redis child is deliberately not tied to us (it must
flush its AOF), and the next start cleans it up as a stale server.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

PR_SET_PDEATHSIG = 1
STOP_TIMEOUT_S = 15.0


def _die_with_parent() -> None:
    # Runs in the child between fork and exec: ask the kernel to SIGTERM it if we die.
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


@dataclass
class Child:
    name: str
    argv: list[str]
    process: subprocess.Popen[bytes] | None = None


@dataclass
class ProcessGroup:
    """Child processes started together and stopped in reverse order."""

    env: dict[str, str]
    children: list[Child] = field(default_factory=list)

    def spawn(self, name: str, *args: str) -> Child:
        child = Child(name, [sys.executable, "-m", "colmeia", *args])
        child.process = subprocess.Popen(
            child.argv, env=self.env, preexec_fn=_die_with_parent, stdin=subprocess.DEVNULL
        )
        self.children.append(child)
        return child

    def first_exited(self) -> Child | None:
        for child in self.children:
            if child.process is not None and child.process.poll() is not None:
                return child
        return None

    def stop(self) -> None:
        """SIGTERM every child (API first, so it stops taking work), then wait; SIGKILL laggards."""
        running = [c for c in reversed(self.children) if c.process and c.process.poll() is None]
        for child in running:
            assert child.process is not None
            child.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT_S
        for child in running:
            assert child.process is not None
            try:
                child.process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.process.kill()
                child.process.wait()


def wait_until_ready(url: str, timeout_s: float, alive: Callable[[], bool]) -> bool:
    """Poll ``url`` until it answers 200, the timeout passes, or ``alive()`` turns false."""
    deadline = time.monotonic() + timeout_s
    with httpx.Client(timeout=2.0) as client:
        while time.monotonic() < deadline and alive():
            try:
                if client.get(url).status_code == 200:
                    return True
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
    return False


class StopRequested(Exception):
    """SIGINT or SIGTERM reached ``up``."""


def raise_on_stop_signals() -> None:
    def handler(signum: int, _frame: object) -> None:
        raise StopRequested(signal.Signals(signum).name)

    signal.signal(signal.SIGINT, handler)
    signal.signal(signal.SIGTERM, handler)


def ignore_stop_signals() -> None:
    """While shutting down, a second Ctrl-C must not abandon children half-stopped."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)


def child_env(overrides: dict[str, str]) -> dict[str, str]:
    env = dict(os.environ)
    env.update(overrides)
    return env
