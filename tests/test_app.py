"""The HTTP surface end to end over real HTTP: auth, error rendering, body limits."""

from __future__ import annotations

import httpx
import pytest
from pydantic import BaseModel

from colmeia.app import create_app
from colmeia.config import Settings
from colmeia.models import Role
from tests.fixtures.live import live_api
from tests.fixtures.principals import create_credential


class TestAuthentication:
    def test_missing_key_is_401_json(self, settings: Settings) -> None:
        with live_api(settings) as base:
            response = httpx.get(f"{base}/me")
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "unauthenticated"
        assert response.headers["www-authenticate"] == "Bearer"

    def test_bearer_and_x_api_key_resolve_the_principal(self, settings: Settings) -> None:
        credential = create_credential(settings, Role.admin, scopes=["admin"])
        with live_api(settings) as base:
            bearer = httpx.get(f"{base}/me", headers={"Authorization": f"Bearer {credential.key}"})
            header = httpx.get(f"{base}/me", headers={"x-api-key": credential.key})
        assert bearer.status_code == header.status_code == 200
        body = bearer.json()
        assert body == header.json()
        assert body["user_id"] == str(credential.user_id)
        assert body["tenant_id"] == str(credential.tenant_id)
        assert body["roles"] == ["admin"]
        assert body["scopes"] == ["admin"]

    @pytest.mark.parametrize(
        "presented",
        ["cmk_deadbeef_notarealkey", "not-a-key", "Bearer", "cmk_" + "x" * 300, "' OR 1=1 --"],
    )
    def test_unknown_or_malformed_keys_are_401(self, settings: Settings, presented: str) -> None:
        with live_api(settings) as base:
            response = httpx.get(f"{base}/me", headers={"Authorization": f"Bearer {presented}"})
        assert response.status_code == 401
        assert "traceback" not in response.text.lower()


class Echo(BaseModel):
    name: str
    count: int


def _app_with_probe_routes(settings: Settings) -> object:
    app = create_app(settings)

    @app.post("/probe/echo")
    async def echo(body: Echo) -> Echo:
        return body

    @app.get("/probe/boom")
    async def boom() -> None:
        raise RuntimeError("secret internal detail")

    return app


class TestErrorRendering:
    def _serve(self, settings: Settings) -> object:
        return live_api(settings, app=_app_with_probe_routes(settings))

    def test_422_names_the_fields(self, settings: Settings) -> None:
        with self._serve(settings) as base:  # type: ignore[attr-defined]
            response = httpx.post(f"{base}/probe/echo", json={"name": 3.5, "count": "many"})
        assert response.status_code == 422
        error = response.json()["error"]
        assert error["code"] == "validation_error"
        locations = {tuple(item["loc"]) for item in error["details"]}
        assert locations == {("body", "name"), ("body", "count")}

    def test_malformed_json_is_422(self, settings: Settings) -> None:
        with self._serve(settings) as base:  # type: ignore[attr-defined]
            response = httpx.post(
                f"{base}/probe/echo",
                content=b"{not json",
                headers={"content-type": "application/json"},
            )
        assert response.status_code == 422
        assert response.json()["error"]["code"] == "validation_error"

    def test_unknown_route_is_404_json(self, settings: Settings) -> None:
        with self._serve(settings) as base:  # type: ignore[attr-defined]
            response = httpx.get(f"{base}/no/such/route")
        assert response.status_code == 404
        assert response.json()["error"] == {
            "code": "not_found",
            "message": "no route for GET /no/such/route",
        }

    def test_wrong_method_is_405_json(self, settings: Settings) -> None:
        with self._serve(settings) as base:  # type: ignore[attr-defined]
            response = httpx.delete(f"{base}/healthz")
        assert response.status_code == 405
        assert response.json()["error"]["code"] == "method_not_allowed"

    def test_500_has_no_traceback_or_detail(self, settings: Settings) -> None:
        with self._serve(settings) as base:  # type: ignore[attr-defined]
            response = httpx.get(f"{base}/probe/boom")
        assert response.status_code == 500
        assert response.json() == {
            "error": {"code": "internal_error", "message": "internal server error"}
        }
        assert "secret internal detail" not in response.text

    def test_413_by_content_length(self, settings: Settings) -> None:
        settings.server.max_body_bytes = 2048
        with self._serve(settings) as base:  # type: ignore[attr-defined]
            response = httpx.post(f"{base}/probe/echo", content=b"x" * 4096)
        assert response.status_code == 413
        assert response.json()["error"]["code"] == "payload_too_large"

    def test_413_for_a_chunked_body_without_length(self, settings: Settings) -> None:
        settings.server.max_body_bytes = 2048

        def chunks() -> object:
            for _ in range(8):
                yield b"y" * 1024

        with self._serve(settings) as base:  # type: ignore[attr-defined]
            response = httpx.post(f"{base}/probe/echo", content=chunks())  # type: ignore[arg-type]
        assert response.status_code == 413
        assert response.json()["error"]["code"] == "payload_too_large"
