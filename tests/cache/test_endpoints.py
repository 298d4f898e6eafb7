"""Admin cache API over real HTTP: admin role required, own tenant only, JSON errors."""

from __future__ import annotations

import asyncio

import httpx

from colmeia.cache.factory import close_cache, create_cache
from colmeia.config import Settings
from colmeia.embeddings.minilm import MiniLMEmbedder
from colmeia.models import Role
from colmeia.redis import create_redis
from tests.cache.helpers import ANSWER, scoped
from tests.fixtures.live import live_api
from tests.fixtures.principals import create_credential


async def _seed(url: str, embedder: MiniLMEmbedder, tenant: str) -> list[str]:
    redis = create_redis(url)
    cache = await create_cache(redis, embedder, backend="memory")
    ids = []
    for prompt, tag in (("Which deals closed in May?", "crm"), ("What is the VPN address?", "it")):
        scope, text = scoped(prompt, tenant=tenant)
        entry_id = await cache.store(scope, text, ANSWER, ttl_s=60, tags=[tag])
        assert entry_id is not None
        ids.append(entry_id)
    await cache.lookup(*scoped("Which deals closed in May?", tenant=tenant))
    await close_cache(cache)
    await redis.aclose()
    return ids


class TestAdminCache:
    def test_stats_purge_and_reports(self, settings: Settings, embedder: MiniLMEmbedder) -> None:
        admin = create_credential(settings, Role.admin)
        other = create_credential(settings, Role.admin)
        assert settings.redis.url is not None
        _, it_id = asyncio.run(_seed(settings.redis.url, embedder, str(admin.tenant_id)))
        with live_api(settings) as base:
            as_admin = {"x-api-key": admin.key}
            stats = httpx.get(f"{base}/admin/cache/stats", headers=as_admin).json()
            foreign = httpx.post(
                f"{base}/admin/cache/reports",
                headers={"x-api-key": other.key},
                json={"entry_id": it_id, "reason": "wrong VPN"},
            )
            bad = httpx.post(
                f"{base}/admin/cache/reports", headers=as_admin, json={"entry_id": "x"}
            )
            report = httpx.post(
                f"{base}/admin/cache/reports",
                headers=as_admin,
                json={"entry_id": it_id, "reason": "wrong VPN"},
            )
            listed = httpx.get(f"{base}/admin/cache/reports", headers=as_admin).json()
            purged = httpx.post(f"{base}/admin/cache/purge", headers=as_admin, json={"tag": "crm"})
            after = httpx.get(f"{base}/admin/cache/stats", headers=as_admin).json()
        assert stats["entries"] == 2
        assert stats["hits_exact"] == 1
        assert stats["hit_rate"] == 1.0
        assert foreign.status_code == 404, "another tenant's entry is not found"
        assert bad.status_code == 422
        assert "error" in bad.json()
        assert report.status_code == 200
        assert report.json()["entry_id"] == it_id
        assert [r["entry_id"] for r in listed] == [it_id]
        assert purged.json() == {"deleted": 1}
        assert after["entries"] == 0
        assert after["wrong_answers"] == 1
        assert after["invalidations"] == 1

    def test_needs_the_admin_role(self, settings: Settings) -> None:
        user = create_credential(settings, Role.user)
        with live_api(settings) as base:
            headers = {"x-api-key": user.key}
            stats = httpx.get(f"{base}/admin/cache/stats", headers=headers)
            purge = httpx.post(f"{base}/admin/cache/purge", headers=headers, json={})
            anonymous = httpx.get(f"{base}/admin/cache/stats")
        assert stats.status_code == purge.status_code == 403
        assert stats.json()["error"]["code"] == "forbidden"
        assert anonymous.status_code == 401
