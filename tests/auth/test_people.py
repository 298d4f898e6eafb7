"""People end to end over real HTTP: register, login, refresh rotation and reuse, logout,
password change, role changes and deactivation taking effect at once."""

from __future__ import annotations

import httpx

from colmeia.config import Settings
from colmeia.models import Role
from tests.fixtures.live import live_api
from tests.fixtures.people import PASSWORD, bearer, create_person, login, tenant_name


class TestRegister:
    def test_closed_by_default(self, settings: Settings) -> None:
        with live_api(settings) as base:
            response = httpx.post(
                f"{base}/auth/register", json={"email": "a@b.test", "password": PASSWORD}
            )
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "forbidden"

    def test_open_registration_creates_a_user_in_a_new_tenant(self, settings: Settings) -> None:
        settings.auth.open_registration = True
        existing = create_person(settings)
        with live_api(settings) as base:
            email = f"new-{existing.user_id.hex[:6]}@example.test"
            created = httpx.post(
                f"{base}/auth/register", json={"email": email, "password": PASSWORD}
            )
            again = httpx.post(f"{base}/auth/register", json={"email": email, "password": PASSWORD})
            hijack = httpx.post(
                f"{base}/auth/register",
                json={
                    "email": "x" + email,
                    "password": PASSWORD,
                    "tenant": tenant_name(settings, existing),
                },
            )
            tokens = httpx.post(f"{base}/auth/login", json={"email": email, "password": PASSWORD})
            me = httpx.get(f"{base}/me", headers=bearer(tokens.json()["access_token"]))
        assert created.status_code == 201
        body = created.json()
        assert body["role"] == "user"
        assert body["tenant_id"] != str(existing.tenant_id)
        assert "password" not in created.text
        assert again.status_code == 409
        assert hijack.status_code == 409, "registration must never join an existing tenant"
        assert me.status_code == 200
        assert me.json()["user_id"] == body["id"]

    def test_short_password_is_422(self, settings: Settings) -> None:
        settings.auth.open_registration = True
        with live_api(settings) as base:
            response = httpx.post(
                f"{base}/auth/register", json={"email": "s@b.test", "password": "short"}
            )
        assert response.status_code == 422


class TestLogin:
    def test_login_gives_a_jwt_that_resolves_like_the_key(self, settings: Settings) -> None:
        person = create_person(settings)
        with live_api(settings) as base:
            tokens = login(base, person)
            by_jwt = httpx.get(f"{base}/me", headers=bearer(tokens["access_token"]))
            by_key = httpx.get(f"{base}/me", headers={"x-api-key": person.key})
        assert tokens["token_type"] == "bearer"
        assert tokens["expires_in"] == settings.auth.access_token_ttl_s
        assert by_jwt.status_code == by_key.status_code == 200
        jwt_body, key_body = by_jwt.json(), by_key.json()
        for field in ("user_id", "tenant_id", "roles"):
            assert jwt_body[field] == key_body[field]
        assert jwt_body["key_id"] is None

    def test_wrong_password_and_unknown_email_look_the_same(self, settings: Settings) -> None:
        person = create_person(settings)
        with live_api(settings) as base:
            wrong = httpx.post(
                f"{base}/auth/login", json={"email": person.email, "password": "nope-nope-nope"}
            )
            unknown = httpx.post(
                f"{base}/auth/login", json={"email": "ghost@example.test", "password": PASSWORD}
            )
        assert wrong.status_code == unknown.status_code == 401
        assert wrong.json() == unknown.json()


class TestRefresh:
    def test_rotation_and_reuse_revokes_the_family(self, settings: Settings) -> None:
        person = create_person(settings)
        with live_api(settings) as base:
            first = login(base, person)
            second = httpx.post(
                f"{base}/auth/refresh", json={"refresh_token": first["refresh_token"]}
            )
            assert second.status_code == 200, second.text
            rotated = second.json()
            assert rotated["refresh_token"] != first["refresh_token"]
            assert (
                httpx.get(f"{base}/me", headers=bearer(rotated["access_token"])).status_code == 200
            )
            replay = httpx.post(
                f"{base}/auth/refresh", json={"refresh_token": first["refresh_token"]}
            )
            after_replay = httpx.post(
                f"{base}/auth/refresh", json={"refresh_token": rotated["refresh_token"]}
            )
            access_after = httpx.get(f"{base}/me", headers=bearer(rotated["access_token"]))
            fresh = login(base, person)
            other_family = httpx.get(f"{base}/me", headers=bearer(fresh["access_token"]))
        assert replay.status_code == 401
        assert after_replay.status_code == 401, "the whole family is revoked"
        assert access_after.status_code == 401, "its access tokens die with it"
        assert other_family.status_code == 200, "other login sessions are untouched"

    def test_garbage_refresh_token_is_401(self, settings: Settings) -> None:
        with live_api(settings) as base:
            for token in ["", "crt_" + "a" * 40, "x" * 200]:
                response = httpx.post(f"{base}/auth/refresh", json={"refresh_token": token})
                assert response.status_code == 401


class TestLogoutAndPassword:
    def test_logout_kills_access_and_refresh_tokens(self, settings: Settings) -> None:
        person = create_person(settings)
        with live_api(settings) as base:
            tokens = login(base, person)
            out = httpx.post(f"{base}/auth/logout", headers=bearer(tokens["access_token"]))
            me = httpx.get(f"{base}/me", headers=bearer(tokens["access_token"]))
            refreshed = httpx.post(
                f"{base}/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
            )
            with_key = httpx.post(f"{base}/auth/logout", headers={"x-api-key": person.key})
        assert out.status_code == 204
        assert me.status_code == 401
        assert refreshed.status_code == 401
        assert with_key.status_code == 400

    def test_password_change_ends_every_session(self, settings: Settings) -> None:
        person = create_person(settings)
        new_password = "a much better passphrase"
        with live_api(settings) as base:
            one, two = login(base, person), login(base, person)
            wrong = httpx.post(
                f"{base}/auth/password",
                headers=bearer(one["access_token"]),
                json={"current_password": "not it at all", "new_password": new_password},
            )
            changed = httpx.post(
                f"{base}/auth/password",
                headers=bearer(one["access_token"]),
                json={"current_password": PASSWORD, "new_password": new_password},
            )
            old_sessions = [
                httpx.get(f"{base}/me", headers=bearer(t["access_token"])).status_code
                for t in (one, two)
            ]
            old_login = httpx.post(
                f"{base}/auth/login", json={"email": person.email, "password": PASSWORD}
            )
            new_login = httpx.post(
                f"{base}/auth/login", json={"email": person.email, "password": new_password}
            )
        assert wrong.status_code == 401
        assert changed.status_code == 204
        assert old_sessions == [401, 401]
        assert old_login.status_code == 401
        assert new_login.status_code == 200


class TestImmediateEffect:
    def test_role_change_and_deactivation_apply_to_live_tokens(self, settings: Settings) -> None:
        person = create_person(settings)
        admin = create_person(settings, Role.admin)
        admin_headers = {"x-api-key": admin.key}
        with live_api(settings) as base:
            tokens = login(base, person)
            headers = bearer(tokens["access_token"])
            before = httpx.get(f"{base}/admin/users", headers=headers)
            httpx.patch(
                f"{base}/admin/users/{person.user_id}",
                headers=admin_headers,
                json={"role": "admin"},
            )
            promoted = httpx.get(f"{base}/admin/users", headers=headers)
            httpx.patch(
                f"{base}/admin/users/{person.user_id}",
                headers=admin_headers,
                json={"is_active": False},
            )
            by_jwt = httpx.get(f"{base}/me", headers=headers)
            by_key = httpx.get(f"{base}/me", headers={"x-api-key": person.key})
        assert before.status_code == 403
        assert promoted.status_code == 200
        assert by_jwt.status_code == by_key.status_code == 401
