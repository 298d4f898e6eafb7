"""The tenant view of LangGraph's store, and the move of an earlier version's items into it,
on the real SQLite and PostgreSQL stores."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from langgraph.store.base import BaseStore
from sqlalchemy import func, select

from colmeia.agents.graph_store import open_graph_store
from colmeia.db import Sessionmaker, create_engine, make_sessionmaker, unit_of_work
from colmeia.kit.time import utc_now
from colmeia.models import StoreItem, Tenant
from colmeia.store.legacy import adopt_legacy_items
from colmeia.store.tenant_store import TenantStore


@pytest.fixture
async def store(database_url: str, tmp_path: Path) -> AsyncIterator[BaseStore]:
    async with open_graph_store(database_url, tmp_path) as opened:
        yield opened


@pytest.fixture
async def sessionmaker(database_url: str) -> AsyncIterator[Sessionmaker]:
    engine = create_engine(database_url)
    yield make_sessionmaker(engine)
    await engine.dispose()


async def _tenant(sessionmaker: Sessionmaker) -> uuid.UUID:
    async with unit_of_work(sessionmaker) as session:
        tenant = Tenant(name=f"t-{uuid.uuid4().hex[:8]}")
        session.add(tenant)
        await session.flush()
        return tenant.id


class TestTenantStore:
    async def test_each_tenant_sees_only_its_items_under_the_names_it_chose(
        self, store: BaseStore
    ) -> None:
        ana, rui = TenantStore(store, uuid.uuid4().hex), TenantStore(store, uuid.uuid4().hex)
        await ana.aput(("docs", "a"), "k", {"owner": "ana"})
        await rui.aput(("docs", "a"), "k", {"owner": "rui"})
        item = await ana.aget(("docs", "a"), "k")
        assert item is not None
        assert item.namespace == ("docs", "a")
        assert item.value == {"owner": "ana"}
        found = await rui.asearch(("docs",))
        assert [(i.namespace, i.value) for i in found] == [(("docs", "a"), {"owner": "rui"})]
        await ana.adelete(("docs", "a"), "k")
        assert await ana.aget(("docs", "a"), "k") is None
        assert await rui.aget(("docs", "a"), "k") is not None

    async def test_namespaces_are_listed_without_the_tenant_label(self, store: BaseStore) -> None:
        view = TenantStore(store, uuid.uuid4().hex)
        await TenantStore(store, uuid.uuid4().hex).aput(("other",), "k", {})
        for namespace in (("a", "x"), ("a", "y"), ("b",)):
            await view.aput(namespace, "k", {"v": 1})
        assert await view.alist_namespaces() == [("a", "x"), ("a", "y"), ("b",)]
        assert await view.alist_namespaces(max_depth=1) == [("a",), ("b",)]
        assert await view.alist_namespaces(suffix=("y",)) == [("a", "y")]
        assert await view.alist_namespaces(prefix=("a",), limit=1, offset=1) == [("a", "y")]

    def test_a_tenant_label_must_be_a_label(self, store: BaseStore) -> None:
        with pytest.raises(ValueError, match="tenant"):
            TenantStore(store, "a.b")


class TestLegacyItems:
    async def test_earlier_items_move_into_their_tenants_store_once(
        self, store: BaseStore, sessionmaker: Sessionmaker
    ) -> None:
        tenant = await _tenant(sessionmaker)
        now = utc_now()
        async with unit_of_work(sessionmaker) as session:
            for key, expires in (("live", None), ("later", now + timedelta(hours=1))):
                session.add(StoreItem(tenant_id=tenant, namespace="prefs.ana", key=key,
                                      value={"k": key}, expires_at=expires))  # fmt: skip
            session.add(StoreItem(tenant_id=tenant, namespace="prefs.ana", key="gone",
                                  value={}, expires_at=now - timedelta(minutes=1)))  # fmt: skip
        await store.aput(("memories", str(tenant), "ana"), "f1", {"fact": "likes tea"})
        await store.aput(("memories", "not-a-tenant", "x"), "f1", {"fact": "a graph's own"})

        assert await adopt_legacy_items(sessionmaker, store) == 3
        view = TenantStore(store, str(tenant))
        moved = await view.asearch(("prefs", "ana"))
        assert sorted(item.key for item in moved) == ["later", "live"]
        memory = await view.aget(("memories", "ana"), "f1")
        assert memory is not None
        assert memory.value == {"fact": "likes tea"}
        assert await store.aget(("memories", str(tenant), "ana"), "f1") is None
        assert await store.aget(("memories", "not-a-tenant", "x"), "f1") is not None
        async with unit_of_work(sessionmaker) as session:
            left = await session.scalar(
                select(func.count()).select_from(StoreItem).where(StoreItem.tenant_id == tenant)
            )
        assert left == 0
        assert await adopt_legacy_items(sessionmaker, store) == 0
