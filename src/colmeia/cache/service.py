"""Cache operations for admins: stats, purge by tenant or tag, wrong-answer reports.

These work on the store of record only. Vector indexes need no notice: a candidate whose entry
is gone is dropped by the lookup that finds it (and a purged tenant's vector sets are deleted).
"""

from __future__ import annotations

import time

from colmeia.cache.errors import CacheEntryNotFound
from colmeia.cache.schemas import CacheStatsRead, WrongAnswerRead
from colmeia.cache.store import CacheStore

_NUSD_PER_USD = 1_000_000_000


class CacheAdmin:
    async def stats(self, store: CacheStore, tenant: str, status: str = "ready") -> CacheStatsRead:
        """Counters, live entries and hit rates (overall and by tier) of one tenant."""
        counters = await store.stats(tenant)
        hits = counters["hits_exact"] + counters["hits_semantic"]
        lookups = counters["lookups"]
        fields = {k: v for k, v in counters.items() if k != "saved_cost_nusd"}

        def rate(count: int) -> float | None:
            return count / lookups if lookups else None

        return CacheStatsRead(
            tenant=tenant,
            status=status,
            hit_rate=rate(hits),
            hit_rate_exact=rate(counters["hits_exact"]),
            hit_rate_semantic=rate(counters["hits_semantic"]),
            saved_cost_usd=counters["saved_cost_nusd"] / _NUSD_PER_USD,
            **fields,
        )

    async def purge(self, store: CacheStore, tenant: str, tag: str | None) -> int:
        """Delete the tenant's entries carrying ``tag`` (every entry when None)."""
        if tag is not None:
            ids = await store.tagged(tenant, tag)
            deleted = await store.delete(ids)
            await store.forget_tag(tenant, tag)
        else:
            deleted = await store.delete(await store.tenant_ids(tenant))
            await store.drop_tenant_indexes(tenant)
        await store.count(tenant, "invalidations", len(deleted))
        return len(deleted)

    async def report_wrong_answer(
        self, store: CacheStore, tenant: str, entry_id: str, reason: str, reporter: str
    ) -> WrongAnswerRead:
        """Record the report and evict the entry so it is never served again.

        Raises:
            CacheEntryNotFound: no live entry with that id in this tenant (another tenant's
                entry is indistinguishable from a missing one).
        """
        (entry,) = await store.get_many([entry_id])
        if entry is None or entry.tenant != tenant:
            raise CacheEntryNotFound(entry_id)
        await store.delete([entry_id])
        report = WrongAnswerRead(
            entry_id=entry_id,
            tenant=tenant,
            prompt=entry.prompt,
            reason=reason,
            reported_by=reporter,
            reported_at=time.time(),
        )
        await store.report(report.model_dump())
        await store.count(tenant, "wrong_answers")
        return report

    async def reports(self, store: CacheStore, tenant: str, limit: int) -> list[WrongAnswerRead]:
        return [WrongAnswerRead.model_validate(r) for r in await store.reports(tenant, limit)]


cache_admin = CacheAdmin()
