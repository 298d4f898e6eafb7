"""Admin operations on the store of record: purge by tag or tenant, wrong-answer reports."""

from __future__ import annotations

import pytest

from colmeia.cache.errors import CacheEntryNotFound
from colmeia.cache.semantic import SemanticCache
from colmeia.cache.service import cache_admin
from tests.cache.helpers import ANSWER, scoped

CRM = "Which customers churned in 2024?"
HR = "How many vacation days do employees get?"


class TestInvalidation:
    async def test_purge_by_tag_drops_only_tagged_entries(self, cache: SemanticCache) -> None:
        crm, crm_prompt = scoped(CRM)
        hr, hr_prompt = scoped(HR)
        await cache.store(crm, crm_prompt, ANSWER, ttl_s=60, tags=["crm"])
        await cache.store(hr, hr_prompt, ANSWER, ttl_s=60, tags=["hr"])
        other, other_prompt = scoped(CRM, tenant="tenant-b")
        await cache.store(other, other_prompt, ANSWER, ttl_s=60, tags=["crm"])
        assert await cache_admin.purge(cache.records, "tenant-a", "crm") == 1
        assert await cache.lookup(crm, crm_prompt) is None
        assert await cache.lookup(crm, "Which customers churned in 2024") is None
        assert await cache.lookup(hr, hr_prompt) is not None
        assert await cache.lookup(other, other_prompt) is not None  # tags are per tenant
        stats = await cache_admin.stats(cache.records, "tenant-a")
        assert stats.invalidations == 1
        assert stats.entries == 1

    async def test_purge_tenant(self, cache: SemanticCache) -> None:
        for prompt in (CRM, HR):
            await cache.store(*scoped(prompt), ANSWER, ttl_s=60)
        await cache.store(*scoped(CRM, tenant="tenant-b"), ANSWER, ttl_s=60)
        assert await cache_admin.purge(cache.records, "tenant-a", None) == 2
        assert await cache.lookup(*scoped(HR)) is None
        assert await cache.lookup(*scoped(CRM, tenant="tenant-b")) is not None
        await cache.store(*scoped(HR), ANSWER, ttl_s=60)  # the tenant can cache again
        assert await cache.lookup(*scoped(HR)) is not None


class TestWrongAnswer:
    async def test_report_evicts_the_entry(self, cache: SemanticCache) -> None:
        scope, prompt = scoped(CRM)
        entry_id = await cache.store(scope, prompt, ANSWER, ttl_s=60)
        assert entry_id is not None
        report = await cache_admin.report_wrong_answer(
            cache.records, "tenant-a", entry_id, "stale figure", "user-1"
        )
        assert report.prompt == CRM
        assert await cache.lookup(scope, prompt) is None
        reports = await cache_admin.reports(cache.records, "tenant-a", 10)
        assert [r.entry_id for r in reports] == [entry_id]
        assert (await cache_admin.stats(cache.records, "tenant-a")).wrong_answers == 1

    async def test_another_tenants_entry_is_not_found(self, cache: SemanticCache) -> None:
        scope, prompt = scoped(CRM, tenant="tenant-b")
        entry_id = await cache.store(scope, prompt, ANSWER, ttl_s=60)
        assert entry_id is not None
        with pytest.raises(CacheEntryNotFound):
            await cache_admin.report_wrong_answer(cache.records, "tenant-a", entry_id, "", "u")
        assert await cache.lookup(scope, prompt) is not None
