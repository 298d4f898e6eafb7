"""Store rules over the deployment's LangGraph store, seen through the caller's tenant.

The `/store` API and the graphs of a run share one store (`TenantStore` puts both under the
tenant's id), so what a client puts is what a graph reads, and the reverse. Filters, ordering,
TTL and namespace listing are LangGraph's own store semantics, as on LangGraph Server.
"""

from __future__ import annotations

from langgraph.store.base import NOT_PROVIDED, BaseStore, Item, SearchItem

from colmeia.auth.principal import Principal
from colmeia.errors import ValidationFailed
from colmeia.store.schemas import ItemPut, ItemSearch, NamespaceSearch
from colmeia.store.tenant_store import TenantStore


class StoreService:
    def view(self, store: BaseStore, principal: Principal) -> TenantStore:
        """The caller's part of ``store``."""
        return TenantStore(store, str(principal.tenant_id))

    async def put(self, store: BaseStore, body: ItemPut) -> None:
        """Insert or replace an item; ``ttl`` (minutes) sets when it expires."""
        ttl = body.ttl if body.ttl is not None else NOT_PROVIDED
        await store.aput(tuple(body.namespace), body.key, body.value, body.index, ttl=ttl)

    async def get(
        self, store: BaseStore, namespace: list[str], key: str, refresh_ttl: bool | None
    ) -> Item | None:
        return await store.aget(tuple(namespace), key, refresh_ttl=refresh_ttl)

    async def delete(self, store: BaseStore, namespace: list[str], key: str) -> None:
        await store.adelete(tuple(namespace), key)

    async def search(self, store: BaseStore, body: ItemSearch) -> list[SearchItem]:
        """Items under the prefix matching ``filter`` (values, or LangGraph's ``$eq``, ``$ne``,
        ``$gt``, ``$gte``, ``$lt``, ``$lte`` operators; nested fields as ``"a.b"``)."""
        try:
            return await store.asearch(
                tuple(body.namespace_prefix),
                query=body.query,
                filter=body.filter,
                limit=body.limit,
                offset=body.offset,
                refresh_ttl=body.refresh_ttl,
            )
        except ValueError as error:  # the store checks filters before it runs any SQL
            raise ValidationFailed(str(error), details=[{"loc": ["body", "filter"]}]) from None

    async def namespaces(self, store: BaseStore, body: NamespaceSearch) -> list[list[str]]:
        found = await store.alist_namespaces(
            prefix=tuple(body.prefix) if body.prefix else None,
            suffix=tuple(body.suffix) if body.suffix else None,
            max_depth=body.max_depth,
            limit=body.limit,
            offset=body.offset,
        )
        return [list(namespace) for namespace in found]


store = StoreService()
