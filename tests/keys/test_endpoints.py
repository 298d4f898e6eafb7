"""API keys over real HTTP: shown once, listed by prefix, scoped, expiring, revocable,
isolated per user and tenant."""

from __future__ import annotations

import httpx

from colmeia.config import Settings
from colmeia.models import Role
from tests.fixtures.live import live_api
from tests.fixtures.people import bearer, create_person, login, tenant_name


class TestOwnKeys:
    def test_create_shows_the_key_once_and_it_works(self, settings: Settings) -> None:
        person = create_person(settings)
        with live_api(settings) as base:
            headers = bearer(login(base, person)["access_token"])
            created = httpx.post(
                f"{base}/keys",
                headers=headers,
                json={"name": "bot", "scopes": ["runs:write", "openai"], "expires_in_days": 30},
            )
            assert created.status_code == 201, created.text
            body = created.json()
            me = httpx.get(f"{base}/me", headers={"x-api-key": body["key"]})
            listed = httpx.get(f"{base}/keys", headers=headers)
        assert body["key"].startswith(body["prefix"] + "_")
        assert body["scopes"] == ["openai", "runs:write"]
        assert body["expires_at"] is not None
        assert me.status_code == 200
        assert me.json()["scopes"] == ["openai", "runs:write"]
        entries = {entry["id"]: entry for entry in listed.json()}
        assert body["key"] not in listed.text, "the key is never shown again"
        assert entries[body["id"]]["last_used_at"] is not None
        assert len(entries) == 2

    def test_revoke_takes_effect_at_once(self, settings: Settings) -> None:
        person = create_person(settings)
        with live_api(settings) as base:
            headers = {"x-api-key": person.key}
            created = httpx.post(f"{base}/keys", headers=headers, json={"name": "temp"}).json()
            assert httpx.get(f"{base}/me", headers={"x-api-key": created["key"]}).status_code == 200
            revoked = httpx.delete(f"{base}/keys/{created['id']}", headers=headers)
            after = httpx.get(f"{base}/me", headers={"x-api-key": created["key"]})
            still = httpx.get(f"{base}/me", headers=headers)
        assert revoked.status_code == 204
        assert after.status_code == 401
        assert still.status_code == 200

    def test_users_cannot_mint_admin_keys(self, settings: Settings) -> None:
        person, admin = create_person(settings), create_person(settings, Role.admin)
        with live_api(settings) as base:
            by_user = httpx.post(
                f"{base}/keys",
                headers={"x-api-key": person.key},
                json={"name": "x", "scopes": ["admin"]},
            )
            by_admin = httpx.post(
                f"{base}/keys",
                headers={"x-api-key": admin.key},
                json={"name": "x", "scopes": ["admin"]},
            )
            bad_scope = httpx.post(
                f"{base}/keys",
                headers={"x-api-key": person.key},
                json={"name": "x", "scopes": ["A B"]},
            )
        assert by_user.status_code == 403
        assert by_admin.status_code == 201
        assert bad_scope.status_code == 422


class TestIsolation:
    def test_other_users_keys_are_404(self, settings: Settings) -> None:
        owner = create_person(settings)
        same_tenant = create_person(settings, tenant=tenant_name(settings, owner))
        stranger = create_person(settings)
        with live_api(settings) as base:
            key_id = httpx.get(f"{base}/keys", headers={"x-api-key": owner.key}).json()[0]["id"]
            attempts = [
                httpx.delete(f"{base}/keys/{key_id}", headers={"x-api-key": other.key})
                for other in (same_tenant, stranger)
            ]
            seen = [
                httpx.get(f"{base}/keys", headers={"x-api-key": other.key}).json()
                for other in (same_tenant, stranger)
            ]
            still = httpx.get(f"{base}/me", headers={"x-api-key": owner.key})
        assert [a.status_code for a in attempts] == [404, 404]
        assert all(key_id not in {k["id"] for k in keys} for keys in seen)
        assert still.status_code == 200


class TestAdminKeys:
    def test_admin_lists_and_revokes_any_key(self, settings: Settings) -> None:
        person, admin = create_person(settings), create_person(settings, Role.admin)
        with live_api(settings) as base:
            admin_headers = {"x-api-key": admin.key}
            listed = httpx.get(
                f"{base}/admin/keys", params={"user_id": str(person.user_id)}, headers=admin_headers
            )
            key_id = listed.json()[0]["id"]
            revoked = httpx.patch(
                f"{base}/admin/keys/{key_id}", headers=admin_headers, json={"revoke": True}
            )
            after = httpx.get(f"{base}/me", headers={"x-api-key": person.key})
            by_user = httpx.get(f"{base}/admin/keys", headers={"x-api-key": admin.key + "x"})
        assert listed.status_code == 200
        assert len(listed.json()) == 1
        assert revoked.json()["revoked_at"] is not None
        assert after.status_code == 401
        assert by_user.status_code == 401
