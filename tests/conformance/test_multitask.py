"""Double-texting (multitask strategies), cancellation, and interrupt + resume, via the SDK."""

from __future__ import annotations

import time

import pytest
from langgraph_sdk.client import SyncLangGraphClient
from langgraph_sdk.errors import ConflictError, NotFoundError

pytestmark = pytest.mark.slow

SLOW = {"delay": 0.6}


def _running(client: SyncLangGraphClient, thread_id: str, label: str) -> str:
    """Start a slow run and return its id once a worker has claimed it."""
    run = client.runs.create(thread_id, "slow", input={**SLOW, "label": label})
    deadline = time.monotonic() + 30
    while client.runs.get(thread_id, run["run_id"])["status"] == "pending":
        assert time.monotonic() < deadline, "no worker claimed the run"
        time.sleep(0.05)
    return str(run["run_id"])


def _visits(client: SyncLangGraphClient, thread_id: str) -> list[str]:
    return list(client.threads.get_state(thread_id)["values"]["visits"])


class TestMultitaskStrategies:
    def test_reject(self, client: SyncLangGraphClient) -> None:
        thread_id = client.threads.create()["thread_id"]
        first = _running(client, thread_id, "a")
        with pytest.raises(ConflictError):
            client.runs.create(thread_id, "slow", input=SLOW, multitask_strategy="reject")
        client.runs.join(thread_id, first)
        assert client.runs.get(thread_id, first)["status"] == "success"

    def test_interrupt(self, client: SyncLangGraphClient) -> None:
        thread_id = client.threads.create()["thread_id"]
        first = _running(client, thread_id, "a")
        second = client.runs.create(
            thread_id, "slow", input={**SLOW, "label": "b"}, multitask_strategy="interrupt"
        )
        client.runs.join(thread_id, second["run_id"])
        assert client.runs.get(thread_id, first)["status"] == "interrupted"
        assert client.runs.get(thread_id, second["run_id"])["status"] == "success"
        visits = _visits(client, thread_id)
        assert visits[-3:] == ["b:one", "b:two", "b:three"]
        assert "a:three" not in visits

    def test_rollback(self, client: SyncLangGraphClient) -> None:
        thread_id = client.threads.create()["thread_id"]
        client.runs.wait(thread_id, "slow", input={"delay": 0.0, "label": "base"})
        first = _running(client, thread_id, "a")
        second = client.runs.create(
            thread_id, "slow", input={**SLOW, "label": "b"}, multitask_strategy="rollback"
        )
        client.runs.join(thread_id, second["run_id"])
        with pytest.raises(NotFoundError):
            client.runs.get(thread_id, first)
        visits = _visits(client, thread_id)
        assert not [v for v in visits if v.startswith("a:")]
        assert visits == ["base:one", "base:two", "base:three", "b:one", "b:two", "b:three"]

    def test_enqueue(self, client: SyncLangGraphClient) -> None:
        thread_id = client.threads.create()["thread_id"]
        first = _running(client, thread_id, "a")
        second = client.runs.create(
            thread_id, "slow", input={**SLOW, "label": "b"}, multitask_strategy="enqueue"
        )
        assert second["status"] == "pending"
        client.runs.join(thread_id, second["run_id"])
        assert client.runs.get(thread_id, first)["status"] == "success"
        assert _visits(client, thread_id) == [
            "a:one",
            "a:two",
            "a:three",
            "b:one",
            "b:two",
            "b:three",
        ]


class TestCancel:
    def test_cancel_interrupts_a_running_run(self, client: SyncLangGraphClient) -> None:
        thread_id = client.threads.create()["thread_id"]
        run_id = _running(client, thread_id, "a")
        client.runs.cancel(thread_id, run_id, wait=True)
        assert client.runs.get(thread_id, run_id)["status"] == "interrupted"
        assert client.threads.get(thread_id)["status"] == "interrupted"  # stopped mid-graph

    def test_cancel_with_rollback_deletes_the_run(self, client: SyncLangGraphClient) -> None:
        thread_id = client.threads.create()["thread_id"]
        run_id = _running(client, thread_id, "a")
        client.runs.cancel(thread_id, run_id, wait=True, action="rollback")
        with pytest.raises(NotFoundError):
            client.runs.get(thread_id, run_id)
        assert client.threads.get_state(thread_id)["values"] == {}

    def test_cancel_many_stops_the_runs_named(self, client: SyncLangGraphClient) -> None:
        thread_id = client.threads.create()["thread_id"]
        running = _running(client, thread_id, "a")
        waiting = client.runs.create(
            thread_id, "slow", input={**SLOW, "label": "b"}, multitask_strategy="enqueue"
        )["run_id"]
        client.runs.cancel_many(thread_id=thread_id, run_ids=[running, waiting])
        client.runs.join(thread_id, running)
        for run_id in (running, waiting):
            assert client.runs.get(thread_id, run_id)["status"] == "interrupted"


class TestInterruptAndResume:
    def test_interrupt_then_resume_with_command(self, client: SyncLangGraphClient) -> None:
        thread_id = client.threads.create()["thread_id"]
        output = client.runs.wait(thread_id, "interrupting", input={"request": "refund"})
        interrupts = output["__interrupt__"]
        assert interrupts[0]["value"] == {"question": "approve refund?"}
        thread = client.threads.get(thread_id)
        assert thread["status"] == "interrupted"
        state = client.threads.get_state(thread_id)
        assert state["next"] == ["ask"]
        assert state["interrupts"][0]["value"] == {"question": "approve refund?"}
        resumed = client.runs.wait(thread_id, "interrupting", command={"resume": "yes"})
        assert resumed == {"request": "refund", "answer": "yes"}
        assert client.threads.get(thread_id)["status"] == "idle"

    def test_interrupt_before_a_node(self, client: SyncLangGraphClient) -> None:
        thread_id = client.threads.create()["thread_id"]
        client.runs.wait(thread_id, "slow", input={"delay": 0.0}, interrupt_before=["two"])
        assert client.threads.get_state(thread_id)["next"] == ["two"]
        assert client.runs.list(thread_id)[0]["status"] == "success"
        assert client.threads.get(thread_id)["status"] == "interrupted"
        client.runs.wait(thread_id, "slow", input=None)
        assert _visits(client, thread_id) == [":one", ":two", ":three"]
