"""Durable runs end to end: a real API, a real worker process, the simulated LLM over HTTP.

Retries of transient provider failures, fast failure of permanent ones, dead letters and their
re-drive, time limits, and side effects performed once across attempts. (Worker loss and the
drain are in `test_worker_loss`, with workers of their own.)
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import redis as redis_sync

from tests.fixtures.live import worker_process
from tests.runs.stack import TERMINAL, Stack, stack

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]
__all__ = ["stack"]


@pytest.fixture(scope="module", autouse=True)
def worker(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """One worker process for the whole module (booting one takes a while)."""
    with worker_process(stack.settings, tmp_path_factory.mktemp("worker") / "worker.log"):
        yield


def human(text: str) -> dict[str, list[dict[str, str]]]:
    return {"messages": [{"role": "user", "content": text}]}


class TestRetries:
    def test_a_rate_limited_run_is_retried_and_resumes(self, stack: Stack) -> None:
        thread, run = stack.start_run(
            "flaky", human("hello"), {"configurable": {"fail_times": 1, "fault": "429"}}
        )
        row = stack.wait_status(run, TERMINAL)
        assert (row["status"], row["attempt"]) == ("success", 2), row
        assert stack.values(thread)["messages"][-1]["type"] == "ai"

    def test_a_run_out_of_attempts_is_dead_with_its_last_error(self, stack: Stack) -> None:
        _, run = stack.start_run(
            "flaky", human("hello"), {"configurable": {"fail_times": 10, "fault": "500"}}
        )
        row = stack.wait_status(run, TERMINAL)
        assert (row["status"], row["attempt"]) == ("dead", 3), row
        assert "gave up after 3 attempts" in row["error"]
        assert "Error code: 500" in row["error"]

    def test_a_permanent_failure_fails_at_once(self, stack: Stack) -> None:
        _, run = stack.start_run("flaky", human("hello"), {"configurable": {"broken": True}})
        row = stack.wait_status(run, TERMINAL)
        assert (row["status"], row["attempt"]) == ("error", 1), row
        assert row["error"] == "ValueError: a bug in the graph"


class TestTimeLimit:
    def test_a_run_past_its_limit_times_out_and_keeps_its_state(self, stack: Stack) -> None:
        config = {"recursion_limit": 100_000, "configurable": {"run_timeout_s": 1.5}}
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


class TestDeadLetters:
    def test_an_admin_lists_inspects_and_redrives_a_dead_run(self, stack: Stack) -> None:
        # The provider fails the run's first 4 calls: 3 attempts → dead; re-driven → 2 more.
        config = {"configurable": {"fail_times": 4, "fault": "500"}}
        thread, run = stack.start_run("flaky", human("hello"), config)
        assert stack.wait_status(run, TERMINAL)["status"] == "dead"
        with stack.client(stack.admin_key) as admin, stack.client() as user:
            assert user.get("/admin/dead-letters").status_code == 403
            listed = admin.get("/admin/dead-letters", params={"limit": 1000}).json()
            assert run in [item["run_id"] for item in listed["items"]]
            letter = admin.get(f"/admin/dead-letters/{run}").json()
            assert (letter["attempt"], letter["max_attempts"]) == (3, 3)
            assert "Error code: 500" in letter["error"]
            assert letter["graph_id"] == "flaky"
            assert letter["dead_at"] is not None
            other_tenant = admin.get(
                "/admin/dead-letters", params={"tenant_id": str(uuid.uuid4())}
            ).json()
            assert other_tenant == {"items": [], "total": 0, "next_offset": None}
            redriven = admin.post(f"/admin/dead-letters/{run}/redrive").json()
            assert redriven == {"redriven": [run], "skipped": []}
            again = admin.post("/admin/dead-letters/redrive", json={"run_ids": [run]})
            assert again.json() == {"redriven": [], "skipped": [run]}
        row = stack.wait_status(run, {"success", "dead", "error"})
        assert (row["status"], row["attempt"]) == ("success", 2), row
        assert stack.values(thread)["messages"][-1]["type"] == "ai"

    def test_a_run_that_is_not_dead_is_not_found(self, stack: Stack) -> None:
        with stack.client(stack.admin_key) as admin:
            missing = str(uuid.uuid4())
            assert admin.get(f"/admin/dead-letters/{missing}").status_code == 404
            assert admin.post(f"/admin/dead-letters/{missing}/redrive").status_code == 404
            empty = admin.post("/admin/dead-letters/redrive", json={"run_ids": []})
            assert empty.status_code == 422


class TestEffects:
    def test_a_retried_tool_call_does_not_repeat_its_effect(
        self, stack: Stack, redis_client: redis_sync.Redis
    ) -> None:
        counter = f"durable:charges:{uuid.uuid4().hex}"
        config = {"configurable": {"counter_key": counter}}
        thread, run = stack.start_run("effects", human("charge customer ada"), config)
        row = stack.wait_status(run, TERMINAL)
        assert (row["status"], row["attempt"]) == ("success", 2), row
        assert redis_client.get(counter) == b"1"  # charged once, across two attempts
        tool_messages = [m for m in stack.values(thread)["messages"] if m["type"] == "tool"]
        assert len(tool_messages) == 1
        assert "charge #1" in tool_messages[0]["content"]


class TestIdempotentWait:
    def test_a_retried_wait_returns_the_first_runs_output(self, stack: Stack) -> None:
        key = {"Idempotency-Key": uuid.uuid4().hex}
        body = {"assistant_id": "steps", "input": {"delay": 0.1}}
        with stack.client(timeout_s=240) as http:  # the wait spans the worker's boot
            thread = http.post("/threads", json={}).json()["thread_id"]
            first = http.post(f"/threads/{thread}/runs/wait", json=body, headers=key)
            second = http.post(f"/threads/{thread}/runs/wait", json=body, headers=key)
            assert first.status_code == second.status_code == 200, second.text
            assert first.json()["visits"] == second.json()["visits"] == ["one", "two", "three"]
            assert second.headers["content-location"] == first.headers["content-location"]
            assert len(http.get(f"/threads/{thread}/runs").json()) == 1
