"""Auth tests log in often from one address: the per-IP limit is tested in tests/limits."""

from __future__ import annotations

import pytest

from colmeia.config import Settings


@pytest.fixture(autouse=True)
def generous_anonymous_limit(request: pytest.FixtureRequest) -> None:
    if "settings" in request.fixturenames:
        settings: Settings = request.getfixturevalue("settings")
        settings.limits.anonymous = "100000/minute"
