"""User administration: admins only, cross-tenant by design, effective immediately."""

from __future__ import annotations

import uuid

import httpx

from colmeia.config import Settings
from colmeia.models import Role
from tests.fixtures.live import live_api
from tests.fixtures.people import PASSWORD, create_person


class TestAdminUsers:
    def test_admin_creates_a_user_who_can_log_in(self, settings: Settings) -> None:
        admin = create_person(settings, Role.admin)
        email = f"{uuid.uuid4().hex[:8]}@example.test"
        with live_api(settings) as base:
            headers = {"x-api-key": admin.key}
            created = httpx.post(
                f"{base}/admin/users",
                headers=headers,
                json={"email": email, "password": PASSWORD, "tenant": "acme-" + email[:4]},
            )
            duplicate = httpx.post(
                f"{base}/admin/users", headers=headers, json={"email": email, "password": PASSWORD}
            )
            login = httpx.post(f"{base}/auth/login", json={"email": email, "password": PASSWORD})
            fetched = httpx.get(f"{base}/admin/users/{created.json()['id']}", headers=headers)
            missing = httpx.get(f"{base}/admin/users/{uuid.uuid4()}", headers=headers)
            by_tenant = httpx.get(
                f"{base}/admin/users",
                headers=headers,
                params={"tenant_id": created.json()["tenant_id"]},
            )
        assert created.status_code == 201
        assert duplicate.status_code == 409
        assert login.status_code == 200
        assert fetched.json()["email"] == email
        assert missing.status_code == 404
        assert [u["email"] for u in by_tenant.json()] == [email]

    def test_users_get_403_and_anonymous_401(self, settings: Settings) -> None:
        person = create_person(settings)
        with live_api(settings) as base:
            as_user = httpx.get(f"{base}/admin/users", headers={"x-api-key": person.key})
            anonymous = httpx.get(f"{base}/admin/users")
            patch = httpx.patch(
                f"{base}/admin/users/{person.user_id}",
                headers={"x-api-key": person.key},
                json={"role": "admin"},
            )
        assert as_user.status_code == 403
        assert anonymous.status_code == 401
        assert patch.status_code == 403
