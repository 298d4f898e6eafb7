"""First-start seeding: one admin, its key printed once, and an operator-seeded key."""

from __future__ import annotations

import secrets

import httpx
import pytest

from colmeia.auth.secret import server_pepper
from colmeia.bootstrap import seed_admin
from colmeia.config import Settings
from colmeia.db import create_engine, make_sessionmaker
from colmeia.errors import BadRequest
from tests.fixtures.live import live_api


async def _seed(settings: Settings, seeded_key: str | None) -> tuple[bool, str | None]:
    engine = create_engine(settings.database_url)
    try:
        result = await seed_admin(make_sessionmaker(engine), server_pepper(settings), seeded_key)
    finally:
        await engine.dispose()
    return result.created_admin, result.new_key


class TestSeedAdmin:
    async def test_seeded_key_is_registered_once_and_authenticates(
        self, settings: Settings
    ) -> None:
        seeded = f"cmk_{secrets.token_hex(4)}_{secrets.token_urlsafe(24)}"
        await _seed(settings, None)  # an admin exists from here on, whichever test ran first
        created, printed = await _seed(settings, seeded)
        again_created, again_printed = await _seed(settings, seeded)
        assert (created, printed) == (False, None)
        assert (again_created, again_printed) == (False, None)
        async with httpx.AsyncClient() as client:
            with live_api(settings) as base:
                me = await client.get(f"{base}/me", headers={"x-api-key": seeded})
        assert me.status_code == 200
        assert me.json()["roles"] == ["admin"]

    async def test_a_malformed_seeded_key_is_refused(self, settings: Settings) -> None:
        with pytest.raises(BadRequest, match="cmk_<prefix>_<secret>"):
            await _seed(settings, "not-a-key")
