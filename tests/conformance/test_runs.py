"""Runs through the official ``langgraph-sdk`` client: background, wait, stream modes, join,
stateless runs, a ReAct agent with a tool, and the errors clients see."""

from __future__ import annotations

import uuid

import httpx
import pytest
from langgraph_sdk import get_client
from langgraph_sdk.client import SyncLangGraphClient
from langgraph_sdk.errors import NotFoundError, UnprocessableEntityError

from tests.conformance.conftest import Server, human

pytestmark = pytest.mark.slow


def _events(parts: list[object]) -> list[str]:
    return [part.event for part in parts]


class TestBackgroundRuns:
    def test_create_join_get_list_delete(self, client: SyncLangGraphClient) -> None:
        thread_id = client.threads.create()["thread_id"]
        run = client.runs.create(thread_id, "echo", input=human("bg"), metadata={"k": "v"})
        assert run["status"] == "pending"
        assert run["thread_id"] == thread_id
        output = client.runs.join(thread_id, run["run_id"])
        assert output["messages"][-1]["content"] == "echo: bg"
        finished = client.runs.get(thread_id, run["run_id"])
        assert finished["status"] == "success"
        assert finished["metadata"]["k"] == "v"
        assert [r["run_id"] for r in client.runs.list(thread_id)] == [run["run_id"]]
        assert client.runs.list(thread_id, status="error") == []
        assert client.threads.get(thread_id)["status"] == "idle"
        client.runs.delete(thread_id, run["run_id"])
        with pytest.raises(NotFoundError):
            client.runs.get(thread_id, run["run_id"])

    def test_run_list_pagination(self, client: SyncLangGraphClient) -> None:
        thread_id = client.threads.create()["thread_id"]
        for index in range(3):
            client.runs.wait(thread_id, "echo", input=human(str(index)))
        first = client.runs.list(thread_id, limit=2)
        rest = client.runs.list(thread_id, limit=2, offset=2)
        assert len(first) == 2
        assert len(rest) == 1
        assert len({r["run_id"] for r in first + rest}) == 3

    def test_if_not_exists_creates_the_thread(self, client: SyncLangGraphClient) -> None:
        thread_id = str(uuid.uuid4())
        output = client.runs.wait(thread_id, "echo", input=human("new"), if_not_exists="create")
        assert output["count"] == 1
        assert client.threads.get(thread_id)["metadata"]["graph_id"] == "echo"

    def test_a_failing_run_reports_its_error(self, client: SyncLangGraphClient) -> None:
        thread_id = client.threads.create()["thread_id"]
        run = client.runs.create(thread_id, "slow", input={"delay": "not a number"})
        client.runs.join(thread_id, run["run_id"])
        assert client.runs.get(thread_id, run["run_id"])["status"] == "error"
        assert client.threads.get(thread_id)["status"] == "error"


class TestStreaming:
    def test_values_is_the_default_mode(self, client: SyncLangGraphClient) -> None:
        thread_id = client.threads.create()["thread_id"]
        parts = list(client.runs.stream(thread_id, "echo", input=human("v")))
        assert _events(parts)[0] == "metadata"
        assert set(_events(parts)[1:]) == {"values"}
        assert parts[-1].data["count"] == 1

    def test_combined_modes(self, client: SyncLangGraphClient) -> None:
        thread_id = client.threads.create()["thread_id"]
        parts = list(
            client.runs.stream(
                thread_id,
                "echo",
                input=human("combo"),
                stream_mode=["updates", "custom", "messages-tuple", "debug"],
            )
        )
        events = set(_events(parts))
        assert {"metadata", "updates", "custom", "messages", "debug"} <= events
        assert "values" not in events
        custom = next(part for part in parts if part.event == "custom")
        assert custom.data == {"progress": "echoing"}
        message, metadata = next(part for part in parts if part.event == "messages").data
        assert message["content"] == "echo: combo"
        assert metadata["langgraph_node"] == "echo"
        updates = [part.data for part in parts if part.event == "updates"]
        assert {"count": {"count": 1}} in updates

    def test_llm_tokens_stream_as_messages(self, client: SyncLangGraphClient) -> None:
        thread_id = client.threads.create()["thread_id"]
        parts = list(
            client.runs.stream(
                thread_id, "agent", input=human("tell me a story"), stream_mode="messages"
            )
        )
        partial = [part.data for part in parts if part.event == "messages/partial"]
        assert len(partial) > 1
        assert any(part.event == "messages/metadata" for part in parts)
        tuples = list(
            client.runs.stream(
                thread_id, "agent", input=human("again"), stream_mode="messages-tuple"
            )
        )
        chunks = [part.data[0]["content"] for part in tuples if part.event == "messages"]
        assert len(chunks) > 1
        final = client.threads.get_state(thread_id)["values"]["messages"][-1]["content"]
        assert "".join(chunks) == final

    def test_events_mode(self, client: SyncLangGraphClient) -> None:
        thread_id = client.threads.create()["thread_id"]
        parts = list(client.runs.stream(thread_id, "echo", input=human("e"), stream_mode="events"))
        kinds = {part.data["event"] for part in parts if part.event == "events"}
        assert {"on_chain_start", "on_chain_end"} <= kinds

    def test_join_stream_resumes_after_last_event_id(self, client: SyncLangGraphClient) -> None:
        thread_id = client.threads.create()["thread_id"]
        run = client.runs.create(
            thread_id,
            "slow",
            input={"delay": 0.1},
            stream_mode=["values", "updates"],
            stream_resumable=True,
        )
        everything = list(client.runs.join_stream(thread_id, run["run_id"]))
        assert _events(everything)[-1] == "values"
        assert all(part.id for part in everything)
        middle = everything[2]
        resumed = list(client.runs.join_stream(thread_id, run["run_id"], last_event_id=middle.id))
        after_middle = [p.id for p in everything[3:]]
        assert resumed
        assert [p.id for p in resumed] == after_middle[-len(resumed) :]
        assert resumed[-1].data == everything[-1].data


class TestJoinStreamModes:
    """Not shared with the reference: ``langgraph dev`` replays nothing for a filtered join of
    a finished run, and may resume one event later than the Last-Event-ID it was given."""

    def test_join_stream_filters_by_mode(self, client: SyncLangGraphClient) -> None:
        thread_id = client.threads.create()["thread_id"]
        run = client.runs.create(
            thread_id, "slow", input={"delay": 0.0}, stream_mode=["values", "updates"]
        )
        client.runs.join(thread_id, run["run_id"])
        only_updates = list(
            client.runs.join_stream(thread_id, run["run_id"], stream_mode="updates")
        )
        assert set(_events(only_updates)) == {"metadata", "updates"}

    def test_resume_continues_exactly_after_the_last_event_seen(
        self, client: SyncLangGraphClient
    ) -> None:
        thread_id = client.threads.create()["thread_id"]
        run = client.runs.create(thread_id, "slow", input={"delay": 0.0}, stream_mode="updates")
        client.runs.join(thread_id, run["run_id"])
        everything = list(client.runs.join_stream(thread_id, run["run_id"]))
        for index, seen in enumerate(everything):
            resumed = list(client.runs.join_stream(thread_id, run["run_id"], last_event_id=seen.id))
            assert [p.id for p in resumed] == [p.id for p in everything[index + 1 :]]


class TestStatelessRuns:
    def test_wait_and_stream_without_a_thread(self, client: SyncLangGraphClient) -> None:
        output = client.runs.wait(None, "echo", input=human("nothing kept"))
        assert output["messages"][-1]["content"] == "echo: nothing kept"
        parts = list(client.runs.stream(None, "echo", input=human("s"), stream_mode="updates"))
        assert "updates" in _events(parts)
        run = client.runs.create(None, "echo", input=human("bg"))
        assert run["status"] == "pending"

    def test_a_batch_of_background_runs(self, client: SyncLangGraphClient) -> None:
        payloads = [
            {"assistant_id": "echo", "input": human(f"batch {i}"), "on_completion": "keep"}
            for i in range(3)
        ]
        runs = client.runs.create_batch(payloads)
        assert [run["status"] for run in runs] == ["pending"] * 3
        assert len({run["run_id"] for run in runs}) == 3
        for i, run in enumerate(runs):
            output = client.runs.join(run["thread_id"], run["run_id"])
            assert output["messages"][-1]["content"] == f"echo: batch {i}"


class TestReactAgent:
    def test_a_langgraph_server_project_runs_unchanged(self, client: SyncLangGraphClient) -> None:
        thread_id = client.threads.create()["thread_id"]
        output = client.runs.wait(thread_id, "react", input=human("What is the weather in Lisbon?"))
        kinds = [message["type"] for message in output["messages"]]
        assert kinds == ["human", "ai", "tool", "ai"]
        tool_call = output["messages"][1]["tool_calls"][0]
        assert tool_call["name"] == "get_weather"
        assert "sunny" in output["messages"][2]["content"]
        state = client.threads.get_state(thread_id)
        assert state["values"]["messages"][2]["type"] == "tool"


class TestErrors:
    def test_unknown_and_foreign_ids_are_404(
        self, client: SyncLangGraphClient, other_client: SyncLangGraphClient
    ) -> None:
        thread_id = client.threads.create()["thread_id"]
        run = client.runs.create(thread_id, "echo", input=human("mine"))
        client.runs.join(thread_id, run["run_id"])
        with pytest.raises(NotFoundError):
            client.runs.get(thread_id, str(uuid.uuid4()))
        for missing in (
            lambda: client.runs.wait(str(uuid.uuid4()), "echo", input=human("x")),
            lambda: client.runs.wait(None, str(uuid.uuid4()), input=human("x")),
        ):
            with pytest.raises(httpx.HTTPStatusError) as raised:
                missing()
            assert raised.value.response.status_code == 404
        for call in (
            lambda: other_client.runs.get(thread_id, run["run_id"]),
            lambda: other_client.runs.list(thread_id),
            lambda: other_client.runs.cancel(thread_id, run["run_id"]),
            lambda: other_client.runs.delete(thread_id, run["run_id"]),
        ):
            with pytest.raises(NotFoundError):
                call()
        for call in (
            lambda: other_client.runs.wait(thread_id, "echo", input=human("steal")),
            lambda: other_client.runs.join(thread_id, run["run_id"]),
        ):
            with pytest.raises(httpx.HTTPStatusError) as raised:
                call()
            assert raised.value.response.status_code == 404

    def test_malformed_bodies_are_422(self, client: SyncLangGraphClient) -> None:
        thread_id = client.threads.create()["thread_id"]
        with pytest.raises(UnprocessableEntityError):
            client.http.post(f"/threads/{thread_id}/runs", json={"input": {}})
        with pytest.raises(UnprocessableEntityError):
            client.http.post(
                f"/threads/{thread_id}/runs",
                json={"assistant_id": "echo", "stream_mode": "telepathy"},
            )
        with pytest.raises(UnprocessableEntityError):
            client.http.post(
                "/runs/wait", json={"assistant_id": "echo", "multitask_strategy": "whatever"}
            )

    def test_cancel_many_by_status_stays_in_the_tenant(
        self, client: SyncLangGraphClient, other_client: SyncLangGraphClient
    ) -> None:
        mine = client.threads.create()["thread_id"]
        theirs = other_client.threads.create()["thread_id"]
        later = {"input": human("later"), "after_seconds": 60}
        my_run = client.runs.create(mine, "echo", **later)["run_id"]
        their_run = other_client.runs.create(theirs, "echo", **later)["run_id"]
        with pytest.raises(NotFoundError):  # one id is not mine: nothing is stopped
            other_client.runs.cancel_many(thread_id=mine, run_ids=[my_run])
        with pytest.raises(NotFoundError):
            client.runs.cancel_many(thread_id=mine, run_ids=[my_run, str(uuid.uuid4())])
        assert client.runs.get(mine, my_run)["status"] == "pending"
        client.runs.cancel_many(status="pending")
        assert client.runs.get(mine, my_run)["status"] == "interrupted"
        assert client.threads.get(mine)["status"] == "idle"
        assert other_client.runs.get(theirs, their_run)["status"] == "pending"
        other_client.runs.cancel_many(status="all")
        assert other_client.runs.get(theirs, their_run)["status"] == "interrupted"
        for body in (
            {"status": "pending", "thread_id": mine},
            {"thread_id": mine},
            {"status": "done"},
            {},
        ):
            with pytest.raises(UnprocessableEntityError):
                client.http.post("/runs/cancel", json=body)

    def test_a_batch_is_created_whole_or_not_at_all(self, client: SyncLangGraphClient) -> None:
        threads = client.threads.count()
        good = {"assistant_id": "echo", "input": human("x")}
        for payloads in ([], [good, {"input": {}}], [good] * 101):
            with pytest.raises(UnprocessableEntityError):
                client.runs.create_batch(payloads)
        with pytest.raises(NotFoundError):  # the second names no assistant: the first is undone
            client.runs.create_batch([good, {"assistant_id": str(uuid.uuid4())}])
        assert client.threads.count() == threads
        with pytest.raises(UnprocessableEntityError) as raised:
            client.runs.create_batch([good], headers={"Idempotency-Key": "k1"})
        assert "Idempotency-Key" in raised.value.response.json()["error"]["message"]


class TestAsyncClient:
    async def test_async_stream_and_wait(self, server: Server) -> None:
        async with get_client(url=server.url, api_key=server.key) as sdk:
            thread = await sdk.threads.create()
            events = [
                part.event
                async for part in sdk.runs.stream(
                    thread["thread_id"], "echo", input=human("a"), stream_mode="updates"
                )
            ]
            assert events[0] == "metadata"
            assert "updates" in events
            output = await sdk.runs.wait(thread["thread_id"], "echo", input=human("b"))
            assert output["count"] == 2
