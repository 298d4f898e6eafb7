"""Store rules: every namespace belongs to the caller's tenant; filters are JSON containment."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from colmeia.auth.principal import Principal
from colmeia.kit.matching import contains
from colmeia.kit.time import utc_now
from colmeia.models import StoreItem
from colmeia.store.repository import StoreRepository
from colmeia.store.schemas import ItemPut, ItemSearch, NamespaceSearch


class StoreService:
    async def put(self, session: AsyncSession, principal: Principal, body: ItemPut) -> StoreItem:
        """Insert or replace an item; ``ttl`` (minutes) sets an absolute expiry."""
        namespace = ".".join(body.namespace)
        now = utc_now()
        expires_at = now + timedelta(minutes=body.ttl) if body.ttl else None
        repository = StoreRepository(session)
        item = await repository.get_for_update(principal.tenant_id, namespace, body.key)
        if item is None:
            item = StoreItem(
                tenant_id=principal.tenant_id, namespace=namespace, key=body.key, value=body.value
            )
            item.expires_at = expires_at
            return await repository.add(item)
        item.value, item.updated_at, item.expires_at = body.value, now, expires_at
        return item

    async def get(
        self, session: AsyncSession, principal: Principal, namespace: list[str], key: str
    ) -> StoreItem | None:
        """The caller's live item, or None (another tenant's item is simply not there)."""
        return await StoreRepository(session).get(
            principal.tenant_id, ".".join(namespace), key, utc_now()
        )

    async def delete(
        self, session: AsyncSession, principal: Principal, namespace: list[str], key: str
    ) -> None:
        await StoreRepository(session).delete(principal.tenant_id, ".".join(namespace), key)

    async def search(
        self, session: AsyncSession, principal: Principal, body: ItemSearch
    ) -> list[StoreItem]:
        """Items under the prefix whose value contains ``filter``, newest first.

        ``query`` (semantic search) needs an index, which this store does not configure yet, so
        it is accepted and ignored, as LangGraph does for a store without an index.
        """
        rows = await StoreRepository(session).under(
            principal.tenant_id, ".".join(body.namespace_prefix), utc_now()
        )
        matching = [row for row in rows if contains(row.value, body.filter or {})]
        return matching[body.offset : body.offset + body.limit]

    async def namespaces(
        self, session: AsyncSession, principal: Principal, body: NamespaceSearch
    ) -> list[list[str]]:
        """Distinct namespaces matching prefix/suffix, truncated to ``max_depth``."""
        found: list[list[str]] = []
        for joined in await StoreRepository(session).namespaces(principal.tenant_id, utc_now()):
            labels = joined.split(".")
            if body.prefix and labels[: len(body.prefix)] != body.prefix:
                continue
            if body.suffix and labels[-len(body.suffix) :] != body.suffix:
                continue
            labels = labels[: body.max_depth] if body.max_depth else labels
            if labels not in found:
                found.append(labels)
        return found[body.offset : body.offset + body.limit]


store = StoreService()
