"""Limits hold across replicas: three ``colmeia api`` processes on one Redis share one window.

The contract is 100/minute; CI runs the same shape on a shorter window (20 per 5 s) so the
test stays bounded; ``bench/limits.py`` runs the full 100/minute with 1,000 requests.
The same replicas then show a key revocation and a role change made through one replica
taking effect on the others within their principal cache's TTL (the contract allows 60 s).
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from colmeia.config import Settings
from colmeia.models import Role
from tests.fixtures.live import wait_for
from tests.fixtures.people import Person, create_person
from tests.limits.replicas import api_replicas, offer, sqlite_settings, worst_window

pytestmark = [pytest.mark.slow, pytest.mark.serial]

LIMIT, WINDOW_S = 20, 5
OFFERED, DURATION_S = 200, 10.0


@pytest.fixture
def settings(tmp_path: Path, redis_url: str) -> Settings:
    return sqlite_settings(tmp_path, redis_url)


def test_three_replicas_share_one_window(settings: Settings) -> None:
    person = create_person(settings, key_limit=f"{LIMIT} per {WINDOW_S} seconds")
    with api_replicas(settings, 3, {}) as bases:
        outcomes = offer(bases, "/me", {"x-api-key": person.key}, OFFERED, DURATION_S)
        _revocation_and_roles_reach_every_replica(settings, bases, person)
    accepted = [o for o in outcomes if o.status == 200]
    refused = [o for o in outcomes if o.status == 429]
    assert len(accepted) + len(refused) == OFFERED
    windows = DURATION_S / WINDOW_S
    # Not over: three replicas together never accept more than one window's worth per window.
    assert worst_window(outcomes, LIMIT, WINDOW_S) >= WINDOW_S
    assert len(accepted) <= LIMIT * (int(windows) + 2)
    # Not starved: the limiter lets the allowed traffic through.
    assert len(accepted) >= LIMIT * int(windows) * 0.7
    for outcome in outcomes:
        assert outcome.headers["x-ratelimit-limit"] == str(LIMIT)
        remaining = int(outcome.headers["x-ratelimit-remaining"])
        assert 0 <= remaining < LIMIT
        assert int(outcome.headers["x-ratelimit-reset"]) > 0
    for outcome in refused:
        assert outcome.headers["x-ratelimit-remaining"] == "0"
        assert 1 <= int(outcome.headers["retry-after"]) <= WINDOW_S + 1


def _revocation_and_roles_reach_every_replica(
    settings: Settings, bases: list[str], person: Person
) -> None:
    """Changed on one replica, effective on the others once their cached principals expire
    (``COLMEIA_AUTH__PRINCIPAL_CACHE_TTL_S``, 5 s by default; the contract allows 60 s)."""
    admin, user = create_person(settings, Role.admin), create_person(settings)
    as_admin = {"x-api-key": admin.key}
    keys = httpx.get(
        f"{bases[0]}/admin/keys", headers=as_admin, params={"user_id": str(person.user_id)}
    ).json()
    before = httpx.get(f"{bases[2]}/admin/users", headers={"x-api-key": user.key})
    httpx.patch(f"{bases[0]}/admin/keys/{keys[0]['id']}", headers=as_admin, json={"revoke": True})
    httpx.patch(f"{bases[0]}/admin/users/{user.user_id}", headers=as_admin, json={"role": "admin"})
    assert before.status_code == 403

    def revoked() -> bool:
        statuses = [httpx.get(f"{b}/me", headers={"x-api-key": person.key}) for b in bases[1:]]
        return [r.status_code for r in statuses] == [401, 401]

    def promoted() -> bool:
        statuses = [httpx.get(f"{b}/admin/users", headers={"x-api-key": user.key}) for b in bases]
        return [r.status_code for r in statuses] == [200, 200, 200]

    ttl = settings.auth.principal_cache_ttl_s
    assert wait_for(revoked, timeout_s=ttl + 10), "a revoked key must stop working everywhere"
    assert wait_for(promoted, timeout_s=ttl + 10), "a new role must apply everywhere"
