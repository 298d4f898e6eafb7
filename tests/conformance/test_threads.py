"""Threads and their state through the official ``langgraph-sdk`` client only."""

from __future__ import annotations

import uuid

import pytest
from langgraph_sdk import get_client
from langgraph_sdk.client import SyncLangGraphClient
from langgraph_sdk.errors import ConflictError, NotFoundError, UnprocessableEntityError

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
