"""Threads and their state through the official ``langgraph-sdk`` client only."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator

import httpx
import pytest
from langgraph_sdk import get_client
from langgraph_sdk.client import SyncLangGraphClient
from langgraph_sdk.errors import ConflictError, NotFoundError, UnprocessableEntityError
from langgraph_sdk.schema import StreamPart

from tests.conformance.conftest import Server, human

pytestmark = pytest.mark.slow


class TestLifecycle:
    def test_create_get_update_delete(self, client: SyncLangGraphClient) -> None:
        thread = client.threads.create(metadata={"user": "ana"})
        assert thread["status"] == "idle"
        assert client.threads.get(thread["thread_id"])["metadata"] == {"user": "ana"}
        updated = client.threads.update(thread["thread_id"], metadata={"topic": "billing"})
        assert updated["metadata"] == {"user": "ana", "topic": "billing"}
        client.threads.delete(thread["thread_id"])
        with pytest.raises(NotFoundError):
            client.threads.get(thread["thread_id"])

    def test_if_exists(self, client: SyncLangGraphClient) -> None:
        thread_id = str(uuid.uuid4())
        client.threads.create(thread_id=thread_id)
        again = client.threads.create(thread_id=thread_id, if_exists="do_nothing")
        assert again["thread_id"] == thread_id
        with pytest.raises(ConflictError):
            client.threads.create(thread_id=thread_id)

    def test_a_new_thread_has_an_empty_state(self, client: SyncLangGraphClient) -> None:
        thread = client.threads.create()
        state = client.threads.get_state(thread["thread_id"])
        assert state["values"] == {}
        assert state["next"] == []
        assert client.threads.get_history(thread["thread_id"]) == []


class TestState:
    def test_state_history_update_and_copy(self, client: SyncLangGraphClient) -> None:
        thread = client.threads.create()
        thread_id = thread["thread_id"]
        client.runs.wait(thread_id, "echo", input=human("first"))
        state = client.threads.get_state(thread_id)
        assert [m["content"] for m in state["values"]["messages"]] == ["first", "echo: first"]
        assert state["values"]["count"] == 1
        assert state["checkpoint"]["thread_id"] == thread_id
        history = client.threads.get_history(thread_id, limit=3)
        assert len(history) == 3
        assert history[0]["checkpoint"]["checkpoint_id"] == state["checkpoint"]["checkpoint_id"]
        older = client.threads.get_state(thread_id, checkpoint_id=history[1]["checkpoint_id"])
        assert older["checkpoint"]["checkpoint_id"] == history[1]["checkpoint_id"]

        written = client.threads.update_state(thread_id, {"count": 41}, as_node="count")
        assert written["checkpoint"]["checkpoint_id"] != state["checkpoint"]["checkpoint_id"]
        assert client.threads.get_state(thread_id)["values"]["count"] == 41
        assert client.threads.get(thread_id)["values"]["count"] == 41

        copy = client.threads.copy(thread_id)
        assert copy["thread_id"] != thread_id
        copied = client.threads.get_state(copy["thread_id"])
        assert copied["values"]["count"] == 41
        assert len(client.threads.get_history(copy["thread_id"], limit=50)) == len(
            client.threads.get_history(thread_id, limit=50)
        )
        client.runs.wait(copy["thread_id"], "echo", input=human("second"))
        assert client.threads.get_state(thread_id)["values"]["count"] == 41
        assert client.threads.get_state(copy["thread_id"])["values"]["count"] == 42


class TestSearch:
    def test_search_count_pagination(self, client: SyncLangGraphClient) -> None:
        marker = uuid.uuid4().hex
        ids = [client.threads.create(metadata={"marker": marker})["thread_id"] for _ in range(4)]
        assert client.threads.count(metadata={"marker": marker}) == 4
        page = client.threads.search(metadata={"marker": marker}, limit=3)
        rest = client.threads.search(metadata={"marker": marker}, limit=3, offset=3)
        assert {t["thread_id"] for t in page + rest} == set(ids)
        assert client.threads.search(metadata={"marker": marker}, status="busy") == []


class TestValuesSearch:
    """Not shared with the reference: ``langgraph dev`` answers a values filter with a 500."""

    def test_search_by_state_values(self, client: SyncLangGraphClient) -> None:
        marker = uuid.uuid4().hex
        ids = [client.threads.create(metadata={"marker": marker})["thread_id"] for _ in range(2)]
        client.runs.wait(ids[0], "echo", input=human("x"))
        by_values = client.threads.search(values={"count": 1}, metadata={"marker": marker})
        assert [t["thread_id"] for t in by_values] == [ids[0]]


def _until_run_done(parts: Iterator[StreamPart], seen: list[StreamPart]) -> None:
    """Collect a thread stream's parts (it never ends on its own) up to a run's end."""
    for part in parts:
        seen.append(part)
        if part.event == "metadata" and part.data.get("status") == "run_done":
            return


class TestJoinStream:
    def test_a_joined_thread_streams_the_run_started_after(
        self, client: SyncLangGraphClient
    ) -> None:
        thread_id = client.threads.create()["thread_id"]
        seen: list[StreamPart] = []
        listener = threading.Thread(
            target=_until_run_done, args=(client.threads.join_stream(thread_id), seen)
        )
        listener.start()
        time.sleep(1)  # LangGraph's server streams only runs that start once it has subscribed
        run = client.runs.create(thread_id, "echo", input=human("hi"), stream_mode=["values"])
        listener.join(timeout=60)
        assert not listener.is_alive()
        metadata = [part.data for part in seen if part.event == "metadata"]
        assert {"run_id": run["run_id"], "attempt": 1} in metadata
        assert metadata[-1] == {"status": "run_done", "run_id": run["run_id"]}
        final = [part.data for part in seen if part.event == "values"][-1]
        assert final["messages"][-1]["content"] == "echo: hi"


class TestJoinStreamColmeia:
    """What Colmeia adds to the reference's thread stream, and its refusals."""

    def test_a_run_already_running_is_streamed_from_its_start(
        self, client: SyncLangGraphClient
    ) -> None:
        thread_id = client.threads.create()["thread_id"]
        run = client.runs.create(thread_id, "slow", input={"delay": 0.3, "label": "a"})
        seen: list[StreamPart] = []
        _until_run_done(client.threads.join_stream(thread_id), seen)
        assert seen[0].data == {"run_id": run["run_id"], "attempt": 1}
        assert seen[-1].data == {"status": "run_done", "run_id": run["run_id"]}
        assert seen[-2].event == "values"
        assert seen[-2].data["visits"] == ["a:one", "a:two", "a:three"]

    def test_resume_after_an_event_and_lifecycle_only(self, client: SyncLangGraphClient) -> None:
        thread_id = client.threads.create()["thread_id"]
        run = client.runs.create(thread_id, "echo", input=human("hi"), stream_mode=["values"])
        everything: list[StreamPart] = []
        _until_run_done(client.threads.join_stream(thread_id), everything)
        ids = [part.id for part in everything]
        assert len(set(ids)) == len(ids)
        assert all(i is not None and i.startswith(f"{run['run_id']}:") for i in ids)

        rest: list[StreamPart] = []
        _until_run_done(client.threads.join_stream(thread_id, last_event_id=ids[0]), rest)
        assert [part.id for part in rest] == ids[1:]

        lifecycle: list[StreamPart] = []
        resumed = client.threads.join_stream(
            thread_id, last_event_id=ids[0], stream_mode="lifecycle"
        )
        _until_run_done(resumed, lifecycle)
        assert [part.event for part in lifecycle] == ["metadata"]

    def test_an_idle_thread_stream_is_kept_alive(self, server: Server) -> None:
        """SSE comments while nothing happens (every 0.3 s here), which the SDK skips: the
        tests above run with them interleaved."""
        headers = {"x-api-key": server.key}
        thread_id = httpx.post(f"{server.url}/threads", json={}, headers=headers).json()
        url = f"{server.url}/threads/{thread_id['thread_id']}/stream"
        with httpx.stream("GET", url, headers=headers, timeout=10) as response:
            assert response.status_code == 200
            said = (line for line in response.iter_lines() if line)
            first_two = [next(said), next(said)]
        assert all(line.startswith(": ping") for line in first_two), first_two

    def test_foreign_threads_bad_modes_and_ids_are_refused(
        self, client: SyncLangGraphClient, other_client: SyncLangGraphClient
    ) -> None:
        mine = client.threads.create()["thread_id"]
        with pytest.raises(NotFoundError):
            next(iter(other_client.threads.join_stream(mine)))
        with pytest.raises(NotFoundError):
            next(iter(client.threads.join_stream(str(uuid.uuid4()))))
        with pytest.raises(UnprocessableEntityError, match="stream mode"):
            next(iter(client.threads.join_stream(mine, stream_mode="values")))  # type: ignore[arg-type]
        with pytest.raises(UnprocessableEntityError, match="Last-Event-ID"):
            next(iter(client.threads.join_stream(mine, last_event_id="12-0")))


class TestErrors:
    def test_unknown_and_foreign_ids_are_404(
        self, client: SyncLangGraphClient, other_client: SyncLangGraphClient
    ) -> None:
        with pytest.raises(NotFoundError):
            client.threads.get(str(uuid.uuid4()))
        mine = client.threads.create()["thread_id"]
        for call in (
            lambda: other_client.threads.get(mine),
            lambda: other_client.threads.get_state(mine),
            lambda: other_client.threads.get_history(mine),
            lambda: other_client.threads.update(mine, metadata={"x": 1}),
            lambda: other_client.threads.copy(mine),
            lambda: other_client.threads.delete(mine),
        ):
            with pytest.raises(NotFoundError):
                call()
        assert mine not in {t["thread_id"] for t in other_client.threads.search(limit=1000)}

    def test_malformed_bodies_are_422(self, client: SyncLangGraphClient) -> None:
        with pytest.raises(UnprocessableEntityError):
            client.http.post("/threads", json={"metadata": "not an object"})
        with pytest.raises(UnprocessableEntityError):
            client.http.post("/threads/search", json={"status": "sleeping"})


class TestAsyncClient:
    async def test_async_state_roundtrip(self, server: Server) -> None:
        async with get_client(url=server.url, api_key=server.key) as sdk:
            thread = await sdk.threads.create()
            await sdk.runs.wait(thread["thread_id"], "echo", input=human("async"))
            state = await sdk.threads.get_state(thread["thread_id"])
            assert state["values"]["messages"][-1]["content"] == "echo: async"
