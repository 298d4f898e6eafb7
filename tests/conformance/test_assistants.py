"""Assistants and ``/info`` through the official ``langgraph-sdk`` client only."""

from __future__ import annotations

import uuid

import pytest
from langgraph_sdk import get_client
from langgraph_sdk.client import SyncLangGraphClient
from langgraph_sdk.errors import ConflictError, NotFoundError, UnprocessableEntityError

from tests.conformance.conftest import Server

pytestmark = pytest.mark.slow


class TestInfoAndDefaults:
    def test_info_answers(self, client: SyncLangGraphClient, server: Server) -> None:
        info = client.http.get("/info")
        assert info["server"] == "colmeia"
        assert "langgraph_py_version" in info

    def test_each_graph_has_a_default_assistant(self, client: SyncLangGraphClient) -> None:
        found = client.assistants.search(metadata={"created_by": "system"}, limit=100)
        graphs = {assistant["graph_id"] for assistant in found}
        assert {"agent", "echo", "interrupting", "slow", "react"} <= graphs

    def test_a_graph_id_resolves_to_its_default_assistant(
        self, client: SyncLangGraphClient
    ) -> None:
        assistant = client.assistants.get("echo")
        assert assistant["graph_id"] == "echo"
        assert uuid.UUID(assistant["assistant_id"])


class TestLifecycle:
    def test_create_get_update_versions_delete(self, client: SyncLangGraphClient) -> None:
        created = client.assistants.create(
            "echo", config={"configurable": {"tone": "dry"}}, metadata={"team": "a"}, name="e1"
        )
        assert created["version"] == 1
        assert client.assistants.get(created["assistant_id"]) == created
        updated = client.assistants.update(
            created["assistant_id"], metadata={"stage": "beta"}, name="e2"
        )
        assert updated["version"] == 2
        assert updated["metadata"] == {"team": "a", "stage": "beta"}
        assert updated["name"] == "e2"
        versions = client.assistants.get_versions(created["assistant_id"])
        assert [v["version"] for v in versions] == [2, 1]
        restored = client.assistants.set_latest(created["assistant_id"], 1)
        assert restored["name"] == "e1"
        client.assistants.delete(created["assistant_id"])
        with pytest.raises(NotFoundError):
            client.assistants.get(created["assistant_id"])

    def test_if_exists(self, client: SyncLangGraphClient) -> None:
        assistant_id = str(uuid.uuid4())
        first = client.assistants.create("echo", assistant_id=assistant_id)
        again = client.assistants.create("echo", assistant_id=assistant_id, if_exists="do_nothing")
        assert again["assistant_id"] == first["assistant_id"]
        with pytest.raises(ConflictError):
            client.assistants.create("echo", assistant_id=assistant_id)

    def test_graph_and_schemas(self, client: SyncLangGraphClient) -> None:
        assistant_id = client.assistants.create("echo")["assistant_id"]
        drawing = client.assistants.get_graph(assistant_id)
        node_ids = {node["id"] for node in drawing["nodes"]}
        assert {"echo", "count"} <= node_ids
        schemas = client.assistants.get_schemas(assistant_id)
        assert schemas["graph_id"] == "echo"
        assert "messages" in schemas["input_schema"]["properties"]


class TestSearch:
    def test_search_count_and_pagination(self, client: SyncLangGraphClient) -> None:
        marker = uuid.uuid4().hex
        for index in range(5):
            client.assistants.create("slow", metadata={"marker": marker, "index": index})
        assert client.assistants.count(metadata={"marker": marker}) == 5
        first = client.assistants.search(
            metadata={"marker": marker}, limit=2, response_format="object"
        )
        assert len(first["assistants"]) == 2
        assert first["next"] is not None
        rest = client.assistants.search(metadata={"marker": marker}, limit=10, offset=2)
        seen = {a["assistant_id"] for a in first["assistants"]} | {a["assistant_id"] for a in rest}
        assert len(seen) == 5
        ordered = client.assistants.search(
            metadata={"marker": marker}, sort_by="created_at", sort_order="asc", limit=5
        )
        assert [a["metadata"]["index"] for a in ordered] == [0, 1, 2, 3, 4]


class TestErrors:
    def test_unknown_and_foreign_ids_are_404(
        self, client: SyncLangGraphClient, other_client: SyncLangGraphClient
    ) -> None:
        with pytest.raises(NotFoundError):
            client.assistants.get(str(uuid.uuid4()))
        mine = client.assistants.create("echo")
        with pytest.raises(NotFoundError):
            other_client.assistants.get(mine["assistant_id"])
        with pytest.raises(NotFoundError):
            other_client.assistants.update(mine["assistant_id"], name="stolen")
        with pytest.raises(NotFoundError):
            other_client.assistants.delete(mine["assistant_id"])
        assert other_client.assistants.count(metadata={"never": "there"}) == 0

    def test_unknown_graph_is_404(self, client: SyncLangGraphClient) -> None:
        with pytest.raises(NotFoundError):
            client.assistants.create("no-such-graph")

    def test_malformed_bodies_are_422(self, client: SyncLangGraphClient) -> None:
        with pytest.raises(UnprocessableEntityError):
            client.http.post("/assistants", json={"graph_id": 42, "config": "nope"})
        with pytest.raises(UnprocessableEntityError):
            client.http.post("/assistants/search", json={"limit": -1})


class TestAsyncClient:
    async def test_async_create_and_search(self, server: Server) -> None:
        async with get_client(url=server.url, api_key=server.key) as sdk:
            created = await sdk.assistants.create("echo", metadata={"async": True})
            found = await sdk.assistants.search(metadata={"async": True}, limit=100)
            assert created["assistant_id"] in {a["assistant_id"] for a in found}
