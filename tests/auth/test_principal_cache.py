"""The per-replica memory of resolved credentials: revocations apply at once where they were
made and within the TTL on every other replica (two live apps = two replicas)."""

from __future__ import annotations

import uuid

import httpx

from colmeia.auth.cache import PrincipalCache
from colmeia.auth.principal import Principal
from colmeia.config import Settings
from tests.fixtures.live import live_api, wait_for
from tests.fixtures.people import create_person


def _temporary_key(base: str, owner_key: str) -> tuple[str, str]:
    created = httpx.post(f"{base}/keys", headers={"x-api-key": owner_key}, json={"name": "t"})
    assert created.status_code == 201, created.text
    return created.json()["id"], created.json()["key"]


def _me(base: str, key: str) -> int:
    return httpx.get(f"{base}/me", headers={"x-api-key": key}).status_code


class TestAcrossReplicas:
    def test_other_replica_keeps_a_revoked_key_only_until_its_ttl(self, settings: Settings) -> None:
        settings.auth.principal_cache_ttl_s = 1.0
        person = create_person(settings)
        with live_api(settings) as a, live_api(settings) as b:
            key_id, key = _temporary_key(a, person.key)
            assert _me(b, key) == 200
            revoked = httpx.delete(f"{a}/keys/{key_id}", headers={"x-api-key": person.key})
            assert revoked.status_code == 204
            assert _me(a, key) == 401, "the replica that revoked forgets at once"
            assert wait_for(lambda: _me(b, key) == 401, timeout_s=10), "b forgets within the TTL"
            assert _me(b, person.key) == 200

    def test_a_long_ttl_serves_the_other_replica_from_memory(self, settings: Settings) -> None:
        settings.auth.principal_cache_ttl_s = 60.0
        person = create_person(settings)
        with live_api(settings) as a, live_api(settings) as b:
            key_id, key = _temporary_key(a, person.key)
            assert _me(b, key) == 200
            httpx.delete(f"{a}/keys/{key_id}", headers={"x-api-key": person.key})
            assert _me(a, key) == 401
            assert _me(b, key) == 200, "b answers from memory: no DB read for a known key"

    def test_ttl_zero_looks_up_every_request(self, settings: Settings) -> None:
        settings.auth.principal_cache_ttl_s = 0
        person = create_person(settings)
        with live_api(settings) as a, live_api(settings) as b:
            key_id, key = _temporary_key(a, person.key)
            assert _me(b, key) == 200
            httpx.delete(f"{a}/keys/{key_id}", headers={"x-api-key": person.key})
            assert _me(b, key) == 401


class TestMemory:
    def test_keeps_nothing_when_disabled_and_forgets_on_clear(self) -> None:
        principal = Principal(uuid.uuid4(), uuid.uuid4(), frozenset({"user"}))
        disabled, enabled = PrincipalCache(0), PrincipalCache(60)
        disabled.put("credential", principal)
        enabled.put("credential", principal)
        assert disabled.get("credential") is None
        assert enabled.get("credential") == principal
        assert enabled.get("another") is None
        enabled.clear()
        assert enabled.get("credential") is None
