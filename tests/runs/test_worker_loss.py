"""Losing a worker: a SIGKILL (the reaper recovers the run once its lease expires, and another
worker resumes it from its checkpoint) and a SIGTERM (the drain lets the run finish, or hands it
back to the ledger past the drain timeout). Real worker processes; their own queue.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from tests.fixtures.live import wait_for, worker_process
from tests.runs.stack import TERMINAL, Stack, stack

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]
__all__ = ["stack"]

BOOT_S = 240.0  # a worker boots in seconds alone, in minutes on a machine shared with others


def _running(stack: Stack, run: str) -> bool:
    return stack.ledger(run)["status"] == "running"


class TestWorkerLoss:
    def test_a_killed_workers_run_is_finished_by_another(
        self, stack: Stack, tmp_path: Path
    ) -> None:
        with (
            worker_process(stack.settings, tmp_path / "a.log") as first,
            worker_process(stack.settings, tmp_path / "b.log") as second,
        ):
            thread, run = stack.start_run("steps", {"delay": 1.0})
            assert wait_for(lambda: _running(stack, run), timeout_s=BOOT_S)
            assert wait_for(lambda: len(stack.values(thread).get("visits", [])) >= 1, 60)
            owner = int(stack.ledger(run)["lease_owner"].rsplit(":", 1)[1])
            assert owner in (first.pid, second.pid)
            os.kill(owner, signal.SIGKILL)
            row = stack.wait_status(run, TERMINAL, timeout_s=BOOT_S)
        # Another attempt finished it (a third, if a loaded machine stalls the second past its
        # short test lease: recovery again, never a second owner at once).
        assert row["status"] == "success", row
        assert row["attempt"] >= 2, row
        # Resumed from its checkpoint: the step finished before the kill did not run again.
        assert stack.values(thread)["visits"] == ["one", "two", "three"]


class TestDrain:
    def test_sigterm_lets_a_running_run_finish(self, stack: Stack, tmp_path: Path) -> None:
        with worker_process(stack.settings, tmp_path / "worker.log") as worker:
            _, run = stack.start_run("steps", {"delay": 1.0})
            assert wait_for(lambda: _running(stack, run), timeout_s=BOOT_S)
            worker.send_signal(signal.SIGTERM)
            assert worker.wait(timeout=60) == 0
        row = stack.ledger(run)
        assert (row["status"], row["attempt"]) == ("success", 1), row

    def test_past_the_drain_timeout_the_run_is_handed_back(
        self, stack: Stack, tmp_path: Path
    ) -> None:
        short = stack.worker_settings(drain_timeout_s=0.5)
        with worker_process(short, tmp_path / "first.log") as first:
            thread, run = stack.start_run("steps", {"delay": 3.0})
            assert wait_for(lambda: _running(stack, run), timeout_s=BOOT_S)
            first.send_signal(signal.SIGTERM)
            assert first.wait(timeout=60) == 0
        row = stack.ledger(run)
        assert (row["status"], row["lease_owner"], row["attempt"]) == ("pending", None, 1), row
        with worker_process(stack.settings, tmp_path / "second.log"):
            row = stack.wait_status(run, TERMINAL, timeout_s=BOOT_S)
        assert (row["status"], row["attempt"]) == ("success", 2), row
        assert stack.values(thread)["visits"] == ["one", "two", "three"]
