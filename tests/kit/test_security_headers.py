"""Security headers on every response; CORS off by default and, when on, what browser
clients such as Agent Chat UI need (auth headers in, Content-Location/Location out)."""

from __future__ import annotations

import httpx

from colmeia.config import Settings
from tests.fixtures.live import live_api

ORIGIN = "https://chat.example.test"


class TestSecurityHeaders:
    def test_every_response_carries_them(self, settings: Settings) -> None:
        with live_api(settings) as base:
            ok = httpx.get(f"{base}/healthz")
            denied = httpx.get(f"{base}/me")
        for response in (ok, denied):
            assert response.headers["x-content-type-options"] == "nosniff"
            assert response.headers["x-frame-options"] == "DENY"
            assert response.headers["referrer-policy"] == "no-referrer"


class TestCors:
    def test_off_by_default(self, settings: Settings) -> None:
        with live_api(settings) as base:
            preflight = httpx.options(
                f"{base}/threads",
                headers={"origin": ORIGIN, "access-control-request-method": "POST"},
            )
            simple = httpx.get(f"{base}/healthz", headers={"origin": ORIGIN})
        assert "access-control-allow-origin" not in preflight.headers
        assert "access-control-allow-origin" not in simple.headers

    def test_configured_origin_gets_what_agent_chat_ui_needs(self, settings: Settings) -> None:
        settings.cors.allow_origins = [ORIGIN]
        with live_api(settings) as base:
            preflight = httpx.options(
                f"{base}/threads",
                headers={
                    "origin": ORIGIN,
                    "access-control-request-method": "POST",
                    "access-control-request-headers": "content-type, authorization, x-api-key",
                },
            )
            simple = httpx.get(f"{base}/healthz", headers={"origin": ORIGIN})
            stranger = httpx.get(f"{base}/healthz", headers={"origin": "https://evil.test"})
        assert preflight.status_code == 200
        assert preflight.headers["access-control-allow-origin"] == ORIGIN
        allowed = preflight.headers["access-control-allow-headers"].lower()
        for header in ("content-type", "authorization", "x-api-key"):
            assert header in allowed
        exposed = simple.headers["access-control-expose-headers"].lower()
        assert "content-location" in exposed
        assert "location" in exposed.split(", ")
        assert "access-control-allow-origin" not in stranger.headers
