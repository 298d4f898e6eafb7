"""``colmeia admin`` commands in a subprocess, against the real databases."""

from __future__ import annotations

import subprocess
import sys
import uuid

import httpx
import pytest

from colmeia.config import Settings
from tests.fixtures.live import live_api, settings_env

pytestmark = pytest.mark.slow


def _colmeia(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "colmeia", *args],
        env=settings_env(settings),
        capture_output=True,
        text=True,
        timeout=60,
    )


class TestAdminCommands:
    def test_create_user_then_key_prints_a_working_key_once(self, settings: Settings) -> None:
        email = f"{uuid.uuid4().hex[:8]}@Example.test"
        created = _colmeia(settings, "admin", "create-user", "--email", email, "--tenant", "acme")
        assert created.returncode == 0, created.stderr
        assert email.lower() in created.stdout
        made = _colmeia(settings, "admin", "create-key", "--email", email, "--scope", "runs:write")
        assert made.returncode == 0, made.stderr
        key = made.stdout.strip()
        assert key.startswith("cmk_")
        with live_api(settings) as base:
            me = httpx.get(f"{base}/me", headers={"x-api-key": key}).json()
        assert me["roles"] == ["user"]
        assert me["scopes"] == ["runs:write"]

    def test_duplicate_user_and_unknown_owner_fail_with_one_line(self, settings: Settings) -> None:
        email = f"{uuid.uuid4().hex[:8]}@example.test"
        assert _colmeia(settings, "admin", "create-user", "--email", email).returncode == 0
        again = _colmeia(settings, "admin", "create-user", "--email", email)
        assert again.returncode == 1
        assert again.stderr.strip() == f"colmeia: a user with email {email} already exists"
        orphan = _colmeia(settings, "admin", "create-key", "--email", "nobody@example.test")
        assert orphan.returncode == 1
        assert orphan.stderr.strip() == "colmeia: no user with email nobody@example.test"
