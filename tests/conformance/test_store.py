"""The store through the official ``langgraph-sdk`` client: items, search, namespaces, scoping."""

from __future__ import annotations

import uuid

import pytest
from langgraph_sdk import get_client
from langgraph_sdk.client import SyncLangGraphClient
from langgraph_sdk.errors import UnprocessableEntityError

from tests.conformance.conftest import Server

pytestmark = pytest.mark.slow


def _root() -> str:
    return f"ns{uuid.uuid4().hex[:10]}"


class TestItems:
    def test_put_get_replace_delete(self, client: SyncLangGraphClient) -> None:
        root = _root()
        client.store.put_item([root, "users", "ana"], "prefs", {"lang": "pt", "theme": "dark"})
        item = client.store.get_item([root, "users", "ana"], "prefs")
        assert item["namespace"] == [root, "users", "ana"]
        assert item["value"] == {"lang": "pt", "theme": "dark"}
        client.store.put_item([root, "users", "ana"], "prefs", {"lang": "en"})
        replaced = client.store.get_item([root, "users", "ana"], "prefs")
        assert replaced["value"] == {"lang": "en"}
        client.store.delete_item([root, "users", "ana"], "prefs")
        assert client.store.get_item([root, "users", "ana"], "prefs") is None  # as the reference


class TestSearch:
    def test_prefix_filter_and_pagination(self, client: SyncLangGraphClient) -> None:
        root = _root()
        for index in range(5):
            client.store.put_item(
                [root, "docs", "team"], f"d{index}", {"author": "ana" if index % 2 else "rui"}
            )
        client.store.put_item([root, "other"], "x", {"author": "ana"})
        under_docs = client.store.search_items([root, "docs"], limit=100)["items"]
        assert len(under_docs) == 5
        by_ana = client.store.search_items([root], filter={"author": "ana"}, limit=100)["items"]
        assert sorted(item["key"] for item in by_ana) == ["d1", "d3", "x"]
        first = client.store.search_items([root, "docs"], limit=2)["items"]
        rest = client.store.search_items([root, "docs"], limit=10, offset=2)["items"]
        assert len({i["key"] for i in first + rest}) == 5

    def test_list_namespaces(self, client: SyncLangGraphClient) -> None:
        root = _root()
        client.store.put_item([root, "a", "x"], "k", {"v": 1})
        client.store.put_item([root, "a", "y"], "k", {"v": 1})
        client.store.put_item([root, "b"], "k", {"v": 1})
        found = client.store.list_namespaces(prefix=[root])["namespaces"]
        assert found == [[root, "a", "x"], [root, "a", "y"], [root, "b"]]
        shallow = client.store.list_namespaces(prefix=[root], max_depth=2)["namespaces"]
        assert shallow == [[root, "a"], [root, "b"]]
        assert client.store.list_namespaces(prefix=[root], suffix=["y"])["namespaces"] == [
            [root, "a", "y"]
        ]


class TestGraphsShareTheStore:
    """What a client puts is what a run's graph reads, and what the graph writes the client
    reads: one store, as on LangGraph Server."""

    def test_a_run_reads_and_writes_the_api_items(self, client: SyncLangGraphClient) -> None:
        root = _root()
        client.store.put_item([root, "prefs"], "ana", {"lang": "pt"})
        output = client.runs.wait(
            None,
            "store_reader",
            input={"namespace": [root, "prefs"], "key": "ana", "write": {"seen": True}},
        )
        assert isinstance(output, dict)
        assert output["found"] == {"lang": "pt"}
        written = client.store.get_item([root, "prefs"], "from-graph")
        assert written is not None
        assert written["value"] == {"seen": True}


class TestScoping:
    def test_a_run_sees_only_its_tenants_items(
        self, client: SyncLangGraphClient, other_client: SyncLangGraphClient
    ) -> None:
        root = _root()
        client.store.put_item([root], "secret", {"v": 1})
        run_input = {"namespace": [root], "key": "secret", "write": {"by": "other"}}
        output = other_client.runs.wait(None, "store_reader", input=run_input)
        assert isinstance(output, dict)
        assert output["found"] is None
        assert client.store.get_item([root], "from-graph") is None  # the write stayed its own
        mine = other_client.store.get_item([root], "from-graph")
        assert mine is not None
        assert mine["value"] == {"by": "other"}

    def test_another_tenant_sees_nothing(
        self, client: SyncLangGraphClient, other_client: SyncLangGraphClient
    ) -> None:
        root = _root()
        client.store.put_item([root], "secret", {"v": 1})
        assert other_client.store.get_item([root], "secret") is None
        assert other_client.store.search_items([root])["items"] == []
        assert other_client.store.list_namespaces(prefix=[root])["namespaces"] == []
        other_client.store.put_item([root], "secret", {"v": 2})
        assert client.store.get_item([root], "secret")["value"] == {"v": 1}

    def test_malformed_bodies_are_422(self, client: SyncLangGraphClient) -> None:
        with pytest.raises(UnprocessableEntityError):
            client.http.put("/store/items", json={"namespace": ["a.b"], "key": "k", "value": {}})
        with pytest.raises(UnprocessableEntityError):
            client.http.put("/store/items", json={"namespace": [], "key": "k", "value": 3})
        reserved = {"namespace": ["langgraph"], "key": "k", "value": {}}
        with pytest.raises(UnprocessableEntityError):
            client.http.put("/store/items", json=reserved)
        with pytest.raises(UnprocessableEntityError):
            client.http.get("/store/items", params={"namespace": "a..b", "key": "k"})
        with pytest.raises(UnprocessableEntityError, match="operator"):
            client.store.search_items(["a"], filter={"author": {"$like": "a%"}})
        bad_index = {"namespace": ["a"], "key": "k", "value": {}, "index": 3}
        with pytest.raises(UnprocessableEntityError):
            client.http.put("/store/items", json=bad_index)


class TestAsyncClient:
    async def test_async_put_and_search(self, server: Server) -> None:
        root = _root()
        async with get_client(url=server.url, api_key=server.key) as sdk:
            await sdk.store.put_item([root, "facts"], "f1", {"fact": "likes tea"})
            found = await sdk.store.search_items([root], filter={"fact": "likes tea"})
            assert [item["key"] for item in found["items"]] == ["f1"]
