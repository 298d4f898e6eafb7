"""Durable runs end to end: a real API, real worker processes, the simulated LLM over HTTP.

Retries of transient provider failures, fast failure of permanent ones, dead letters, time
limits, recovery after a worker SIGKILL (bounded by the lease, via the reaper) and the drain on
SIGTERM.
"""

from __future__ import annotations

import signal
import subprocess
from pathlib import Path

import pytest

from tests.fixtures.live import wait_for, worker_process
from tests.runs.stack import TERMINAL, Stack, stack

pytestmark = pytest.mark.slow
__all__ = ["stack"]


def human(text: str) -> dict[str, list[dict[str, str]]]:
    return {"messages": [{"role": "user", "content": text}]}


class TestRetries:
    def test_a_rate_limited_run_is_retried_and_resumes(self, stack: Stack, tmp_path: Path) -> None:
        with worker_process(stack.settings, tmp_path / "worker.log"):
            thread, run = stack.start_run(
                "flaky", human("hello"), {"configurable": {"fail_times": 1, "fault": "429"}}
            )
            row = stack.wait_status(run, TERMINAL)
        assert (row["status"], row["attempt"]) == ("success", 2), row
        assert stack.values(thread)["messages"][-1]["type"] == "ai"

    def test_a_run_out_of_attempts_is_dead_with_its_last_error(
        self, stack: Stack, tmp_path: Path
    ) -> None:
        with worker_process(stack.settings, tmp_path / "worker.log"):
            _, run = stack.start_run(
                "flaky", human("hello"), {"configurable": {"fail_times": 10, "fault": "500"}}
            )
            row = stack.wait_status(run, TERMINAL)
        assert (row["status"], row["attempt"]) == ("dead", 3), row
        assert "gave up after 3 attempts" in row["error"]
        assert "Error code: 500" in row["error"]

    def test_a_permanent_failure_fails_at_once(self, stack: Stack, tmp_path: Path) -> None:
        with worker_process(stack.settings, tmp_path / "worker.log"):
            _, run = stack.start_run("flaky", human("hello"), {"configurable": {"broken": True}})
            row = stack.wait_status(run, TERMINAL)
        assert (row["status"], row["attempt"]) == ("error", 1), row
        assert row["error"] == "ValueError: a bug in the graph"


class TestTimeLimit:
    def test_a_run_past_its_limit_times_out_and_keeps_its_state(
        self, stack: Stack, tmp_path: Path
    ) -> None:
        config = {"recursion_limit": 100_000, "configurable": {"run_timeout_s": 1.5}}
        with worker_process(stack.settings, tmp_path / "worker.log"):
            thread, run = stack.start_run("looping", {"delay": 0.05}, config)
            row = stack.wait_status(run, TERMINAL)
        assert (row["status"], row["attempt"]) == ("timeout", 1), row
        assert "time limit of 1.5 s" in row["error"]
        assert stack.values(thread)["count"] >= 1  # the steps done before the limit are kept

    @pytest.mark.parametrize("value", [0, -1, "soon", True])
    def test_a_bad_limit_is_refused(self, stack: Stack, value: object) -> None:
        with stack.client() as http:
            thread = http.post("/threads", json={}).json()["thread_id"]
            body = {"assistant_id": "looping", "config": {"configurable": {"run_timeout_s": value}}}
            answer = http.post(f"/threads/{thread}/runs", json=body)
            assert answer.status_code == 422
            assert "run_timeout_s" in answer.json()["error"]["message"]
            assert http.get(f"/threads/{thread}/runs").json() == []


class TestWorkerLoss:
    def test_a_killed_workers_run_is_finished_by_another(
        self, stack: Stack, tmp_path: Path
    ) -> None:
        with worker_process(stack.settings, tmp_path / "first.log") as first:
            thread, run = stack.start_run("steps", {"delay": 1.0})
            assert wait_for(lambda: stack.ledger(run)["status"] == "running", timeout_s=60)
            assert wait_for(lambda: len(stack.values(thread).get("visits", [])) >= 1, 30)
            first.send_signal(signal.SIGKILL)
            first.wait()
        with worker_process(stack.settings, tmp_path / "second.log"):
            row = stack.wait_status(run, TERMINAL)
        assert (row["status"], row["attempt"]) == ("success", 2), row
        # Resumed from its checkpoint: the step finished before the kill ran once.
        assert stack.values(thread)["visits"] == ["one", "two", "three"]


class TestDrain:
    def test_sigterm_lets_a_running_run_finish(self, stack: Stack, tmp_path: Path) -> None:
        with worker_process(stack.settings, tmp_path / "worker.log") as worker:
            _, run = stack.start_run("steps", {"delay": 0.7})
            assert wait_for(lambda: stack.ledger(run)["status"] == "running", timeout_s=60)
            worker.send_signal(signal.SIGTERM)
            assert worker.wait(timeout=30) == 0
        row = stack.ledger(run)
        assert (row["status"], row["attempt"]) == ("success", 1), row

    def test_past_the_drain_timeout_the_run_is_handed_back(
        self, stack: Stack, tmp_path: Path
    ) -> None:
        short = stack.worker_settings(drain_timeout_s=0.5)
        with worker_process(short, tmp_path / "first.log") as first:
            thread, run = stack.start_run("steps", {"delay": 2.0})
            assert wait_for(lambda: stack.ledger(run)["status"] == "running", timeout_s=60)
            first.send_signal(signal.SIGTERM)
            assert first.wait(timeout=30) == 0
        row = stack.ledger(run)
        assert (row["status"], row["lease_owner"]) == ("pending", None), row
        with worker_process(stack.settings, tmp_path / "second.log"):
            row = stack.wait_status(run, TERMINAL)
        assert (row["status"], row["attempt"]) == ("success", 2), row
        assert stack.values(thread)["visits"] == ["one", "two", "three"]
