"""Crons through the official ``langgraph-sdk`` client: lifecycle, search, firing, scoping."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

import pytest
from langgraph_sdk.client import SyncLangGraphClient
from langgraph_sdk.errors import NotFoundError, UnprocessableEntityError

from tests.conformance.conftest import human

pytestmark = pytest.mark.slow

YEARLY = "0 0 1 1 *"
EVERY_SECOND = "* * * * * *"  # croniter's sixth field is seconds, on both servers
T = TypeVar("T")


def _eventually(probe: Callable[[], T | None], timeout_s: float = 45.0) -> T:
    """``probe()``'s first truthy answer; the schedulers tick every few seconds."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if found := probe():
            return found
        time.sleep(0.25)
    raise AssertionError(f"nothing came within {timeout_s} s")


class TestLifecycle:
    def test_thread_cron_create_search_count_update_delete(
        self, client: SyncLangGraphClient
    ) -> None:
        thread_id = client.threads.create()["thread_id"]
        cron = client.crons.create_for_thread(
            thread_id, "echo", schedule=YEARLY, input=human("hi"), metadata={"team": "ops"}
        )
        assert cron["thread_id"] == thread_id
        assert cron["schedule"] == YEARLY
        assert cron["enabled"] is True
        assert cron["metadata"] == {"team": "ops"}
        assert cron["next_run_date"].startswith(f"{int(cron['created_at'][:4]) + 1}-01-01")
        found = client.crons.search(thread_id=thread_id)
        assert [c["cron_id"] for c in found] == [cron["cron_id"]]
        assert client.crons.count(thread_id=thread_id) == 1
        assert client.crons.search(thread_id=thread_id, metadata={"team": "dev"}) == []
        updated = client.crons.update(cron["cron_id"], enabled=False, schedule="0 12 * * *")
        assert updated["enabled"] is False
        assert updated["schedule"] == "0 12 * * *"
        assert client.crons.search(thread_id=thread_id, enabled=True) == []
        client.crons.delete(cron["cron_id"])
        assert client.crons.count(thread_id=thread_id) == 0

    def test_a_cron_without_a_thread_deletes_each_runs_thread_by_default(
        self, client: SyncLangGraphClient
    ) -> None:
        cron = client.crons.create("echo", schedule=YEARLY, input=human("hi"))
        assert cron["thread_id"] is None
        assert cron["on_run_completed"] == "delete"
        client.crons.delete(cron["cron_id"])

    def test_search_selects_sorts_and_pages(self, client: SyncLangGraphClient) -> None:
        assistant_id = client.assistants.create("echo")["assistant_id"]
        ids = [
            client.crons.create(assistant_id, schedule=f"0 {hour} * * *")["cron_id"]
            for hour in (3, 1, 2)
        ]
        ordered = client.crons.search(
            assistant_id=assistant_id, sort_by="next_run_date", sort_order="asc", limit=10
        )
        assert [c["schedule"] for c in ordered] == ["0 1 * * *", "0 2 * * *", "0 3 * * *"]
        first = client.crons.search(assistant_id=assistant_id, limit=2)
        rest = client.crons.search(assistant_id=assistant_id, limit=2, offset=2)
        assert {c["cron_id"] for c in first + rest} == set(ids)
        only = client.crons.search(assistant_id=assistant_id, select=["cron_id", "schedule"])
        assert all(set(c) == {"cron_id", "schedule"} for c in only)
        for cron_id in ids:
            client.crons.delete(cron_id)

    def test_an_invalid_schedule_is_422(self, client: SyncLangGraphClient) -> None:
        with pytest.raises(UnprocessableEntityError):
            client.crons.create("echo", schedule="every tuesday")


class TestFiring:
    def test_a_thread_cron_runs_on_its_thread(self, client: SyncLangGraphClient) -> None:
        thread_id = client.threads.create()["thread_id"]
        cron = client.crons.create_for_thread(
            thread_id, "echo", schedule=EVERY_SECOND, input=human("tick"), metadata={"c": 1}
        )
        try:
            run = _eventually(lambda: next(iter(client.runs.list(thread_id)), None))
        finally:
            client.crons.delete(cron["cron_id"])
        assert run["metadata"]["c"] == 1
        client.runs.join(thread_id, run["run_id"])
        state = client.threads.get_state(thread_id)
        assert state["values"]["messages"][-1]["content"] == "echo: tick"


class TestColmeia:
    """Scoping, the run's marking and the kept thread of a cron without one: Colmeia-only."""

    def test_another_tenant_sees_and_touches_nothing(
        self, client: SyncLangGraphClient, other_client: SyncLangGraphClient
    ) -> None:
        thread_id = client.threads.create()["thread_id"]
        cron = client.crons.create_for_thread(thread_id, "echo", schedule=YEARLY)
        assert other_client.crons.search(thread_id=thread_id) == []
        assert other_client.crons.count(thread_id=thread_id) == 0
        with pytest.raises(NotFoundError):
            other_client.crons.update(cron["cron_id"], enabled=False)
        with pytest.raises(NotFoundError):
            other_client.crons.delete(cron["cron_id"])
        with pytest.raises(NotFoundError):  # nor put a cron on another tenant's thread
            other_client.crons.create_for_thread(thread_id, "echo", schedule=YEARLY)
        client.crons.delete(cron["cron_id"])

    def test_bad_bodies_are_422(self, client: SyncLangGraphClient) -> None:
        cron = client.crons.create("echo", schedule=YEARLY)
        bodies = ({}, {"schedule": "61 * * * *"}, {"schedule": "0 0 31 2 *"},
                  {"timezone": "Mars/Olympus"}, {"x": 1}, {"durability": "never"},
                  {"multitask_strategy": "shout"})  # fmt: skip
        for body in bodies:
            with pytest.raises(UnprocessableEntityError):
                client.http.patch(f"/runs/crons/{cron['cron_id']}", json=body)
        with pytest.raises(NotFoundError):
            client.crons.create("no-such-graph", schedule=YEARLY)
        client.crons.delete(cron["cron_id"])

    def test_a_cron_without_a_thread_can_keep_each_runs_thread(
        self, client: SyncLangGraphClient
    ) -> None:
        assistant_id = client.assistants.create("echo")["assistant_id"]
        cron = client.crons.create(
            assistant_id, schedule=EVERY_SECOND, input=human("kept"), on_run_completed="keep"
        )
        try:
            thread = _eventually(
                lambda: next(
                    (
                        t
                        for t in client.threads.search(metadata={"assistant_id": assistant_id})
                        if t["status"] == "idle" and t["values"]
                    ),
                    None,
                )
            )
        finally:
            client.crons.delete(cron["cron_id"])
        assert thread["values"]["messages"][-1]["content"] == "echo: kept"
        (run, *_) = client.runs.list(thread["thread_id"])
        assert run["metadata"]["cron_id"] == cron["cron_id"]
