"""Rate limits over real HTTP and real Redis: per key, per route group, per IP, per role;
429 with Retry-After and X-RateLimit-*; the Redis-down policy."""

from __future__ import annotations

import uuid

import httpx
import pytest

from colmeia.config import Settings
from colmeia.models import Role
from tests.fixtures.backends import free_port
from tests.fixtures.live import live_api
from tests.fixtures.people import PASSWORD, create_person

STRATEGIES = ["moving-window", "sliding-window"]


def _check_headers(response: httpx.Response, limit: int) -> None:
    assert response.headers["x-ratelimit-limit"] == str(limit)
    assert 0 <= int(response.headers["x-ratelimit-remaining"]) < limit
    assert int(response.headers["x-ratelimit-reset"]) > 0


class TestPerCredential:
    @pytest.mark.parametrize("strategy", STRATEGIES)
    def test_key_limit_then_429(self, settings: Settings, strategy: str) -> None:
        settings.limits.strategy = strategy  # type: ignore[assignment]
        person = create_person(settings, key_limit="5/minute")
        other = create_person(settings, key_limit="5/minute")
        with live_api(settings) as base:
            headers = {"x-api-key": person.key}
            responses = [httpx.get(f"{base}/me", headers=headers) for _ in range(7)]
            others = httpx.get(f"{base}/me", headers={"x-api-key": other.key})
        codes = [r.status_code for r in responses]
        assert codes == [200] * 5 + [429] * 2
        remaining = [int(r.headers["x-ratelimit-remaining"]) for r in responses]
        assert remaining == [4, 3, 2, 1, 0, 0, 0]
        for response in responses:
            _check_headers(response, 5)
        refused = responses[-1]
        assert refused.json()["error"]["code"] == "rate_limited"
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        assert "retry-after" not in responses[0].headers
        assert others.status_code == 200, "another key has its own window"

    def test_role_defaults(self, settings: Settings) -> None:
        settings.limits.user = "50/minute"
        settings.limits.admin = "70/minute"
        user, admin = create_person(settings), create_person(settings, Role.admin)
        with live_api(settings) as base:
            as_user = httpx.get(f"{base}/me", headers={"x-api-key": user.key})
            as_admin = httpx.get(f"{base}/me", headers={"x-api-key": admin.key})
        assert as_user.headers["x-ratelimit-limit"] == "50"
        assert as_admin.headers["x-ratelimit-limit"] == "70"

    def test_route_group_limit_is_separate(self, settings: Settings) -> None:
        settings.limits.route_groups = {"/keys": "2/minute"}
        person = create_person(settings)
        with live_api(settings) as base:
            headers = {"x-api-key": person.key}
            keys = [httpx.get(f"{base}/keys", headers=headers).status_code for _ in range(3)]
            me = httpx.get(f"{base}/me", headers=headers)
        assert keys == [200, 200, 429]
        assert me.status_code == 200

    def test_admin_sets_a_key_limit(self, settings: Settings) -> None:
        person, admin = create_person(settings), create_person(settings, Role.admin)
        with live_api(settings) as base:
            listed = httpx.get(f"{base}/keys", headers={"x-api-key": person.key}).json()
            patched = httpx.patch(
                f"{base}/admin/keys/{listed[0]['id']}",
                headers={"x-api-key": admin.key},
                json={"rate_limit": "3/minute"},
            )
            after = httpx.get(f"{base}/me", headers={"x-api-key": person.key})
            bad = httpx.patch(
                f"{base}/admin/keys/{listed[0]['id']}",
                headers={"x-api-key": admin.key},
                json={"rate_limit": "lots"},
            )
        assert patched.status_code == 200
        assert patched.json()["rate_limit"] == "3/minute"
        assert after.headers["x-ratelimit-limit"] == "3"
        assert bad.status_code == 422


def _login(base: str, forwarded_for: str | None = None) -> httpx.Response:
    headers = {"x-forwarded-for": forwarded_for} if forwarded_for else {}
    body = {"email": "nobody@example.test", "password": PASSWORD}
    return httpx.post(f"{base}/auth/login", json=body, headers=headers)


class TestAnonymous:
    def test_per_ip_behind_a_trusted_proxy(self, settings: Settings) -> None:
        settings.limits.anonymous = "3/minute"
        settings.limits.trusted_proxies = ["127.0.0.1"]
        client_a, client_b = f"198.51.{uuid.uuid4().int % 250}.1", "203.0.113.7"
        with live_api(settings) as base:
            a = [_login(base, client_a).status_code for _ in range(4)]
            b = _login(base, client_b)
        assert a == [401, 401, 401, 429]
        assert b.status_code == 401, "another client IP has its own window"
        assert b.headers["x-ratelimit-limit"] == "3"

    def test_forwarded_for_is_ignored_without_trusted_proxies(self, settings: Settings) -> None:
        settings.limits.anonymous = "2/minute"
        with live_api(settings) as base:
            codes = [_login(base, f"10.0.0.{i}").status_code for i in range(1, 5)]
        assert 429 in codes, "spoofed X-Forwarded-For must not buy new windows"


class TestRedisDown:
    def _down(self, settings: Settings) -> None:
        settings.redis.url = f"redis://127.0.0.1:{free_port()}/0"

    def test_default_policy(self, settings: Settings) -> None:
        person = create_person(settings)
        self._down(settings)
        with live_api(settings) as base:
            authenticated = httpx.get(f"{base}/me", headers={"x-api-key": person.key})
            anonymous = _login(base)
        assert authenticated.status_code == 200, "authenticated routes fail open by default"
        assert "x-ratelimit-limit" not in authenticated.headers
        assert anonymous.status_code == 503, "anonymous routes fail closed by default"
        assert anonymous.json()["error"]["code"] == "rate_limiter_unavailable"

    def test_inverted_policy(self, settings: Settings) -> None:
        settings.limits.fail_open_authenticated = False
        settings.limits.fail_open_anonymous = True
        person = create_person(settings)
        self._down(settings)
        with live_api(settings) as base:
            authenticated = httpx.get(f"{base}/me", headers={"x-api-key": person.key})
            anonymous = _login(base)
        assert authenticated.status_code == 503
        assert anonymous.status_code == 401
