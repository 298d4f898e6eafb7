"""The request middleware over real HTTP: request ids, one access line, ids on every line."""

from __future__ import annotations

import logging

import httpx

from colmeia.config import Settings
from colmeia.models import Role
from tests.fixtures.live import live_api
from tests.fixtures.principals import create_credential
from tests.telemetry.conftest import CapturedLogs


def _access_lines(logs: CapturedLogs, request_id: str) -> list[dict[str, object]]:
    return [
        line
        for line in logs.lines()
        if line.get("logger") == "colmeia.access" and line.get("request_id") == request_id
    ]


class TestRequestId:
    def test_a_sane_request_id_is_echoed(self, settings: Settings, json_logs: CapturedLogs) -> None:
        with live_api(settings) as base:
            response = httpx.get(f"{base}/healthz", headers={"X-Request-ID": "abc-123.x:y"})
        assert response.headers["x-request-id"] == "abc-123.x:y"
        assert len(_access_lines(json_logs, "abc-123.x:y")) == 1

    def test_missing_or_unsafe_ids_are_replaced(self, settings: Settings) -> None:
        with live_api(settings) as base:
            plain = httpx.get(f"{base}/healthz")
            unsafe = httpx.get(f"{base}/healthz", headers={"X-Request-ID": 'a b"<script>'})
            long = httpx.get(f"{base}/healthz", headers={"X-Request-ID": "x" * 200})
        ids = [r.headers["x-request-id"] for r in (plain, unsafe, long)]
        assert all(len(i) == 32 and i.isalnum() for i in ids)
        assert len(set(ids)) == 3


class TestAccessLine:
    def test_one_line_with_status_duration_and_principal(
        self, settings: Settings, json_logs: CapturedLogs
    ) -> None:
        credential = create_credential(settings, Role.user)
        with live_api(settings) as base:
            response = httpx.get(
                f"{base}/me?token=sekrit-value-123",
                headers={"x-api-key": credential.key, "X-Request-ID": "req-access-1"},
            )
        assert response.status_code == 200
        [line] = _access_lines(json_logs, "req-access-1")
        http = line["http"]
        assert isinstance(http, dict)
        assert http["status"] == 200
        assert http["route"] == "/me"
        assert http["duration_ms"] > 0
        assert http["path"] == "/me?token=[REDACTED]"
        assert line["user_id"] == str(credential.user_id)
        assert line["tenant_id"] == str(credential.tenant_id)
        assert line["level"] == "info"
        assert "timestamp" in line

    def test_unmatched_and_failed_requests_are_logged(
        self, settings: Settings, json_logs: CapturedLogs
    ) -> None:
        with live_api(settings) as base:
            httpx.get(f"{base}/no/such/path", headers={"X-Request-ID": "req-404"})
            httpx.get(f"{base}/me", headers={"X-Request-ID": "req-401"})
        [missing] = _access_lines(json_logs, "req-404")
        [refused] = _access_lines(json_logs, "req-401")
        assert missing["http"] == {**missing["http"], "status": 404, "route": "<unmatched>"}  # type: ignore[dict-item]
        assert refused["http"]["status"] == 401  # type: ignore[index]


class TestLevels:
    def test_level_per_logger(self, json_logs: CapturedLogs) -> None:
        from colmeia.logging import configure_logging

        configure_logging(
            "INFO",
            json_output=True,
            levels={"tests.quiet": "ERROR", "tests.chatty": "DEBUG"},
            stream=json_logs.stream,
        )
        logging.getLogger("tests.quiet").warning("hidden warning")
        logging.getLogger("tests.chatty").debug("shown debug")
        logging.getLogger("tests.other").debug("hidden debug")
        events = [line["event"] for line in json_logs.lines()]
        assert "shown debug" in events
        assert "hidden warning" not in events
        assert "hidden debug" not in events

    def test_console_format_is_not_json(self) -> None:
        import io

        from colmeia.logging import HANDLER_NAME, configure_logging

        stream = io.StringIO()
        configure_logging("INFO", json_output=False, stream=stream)
        try:
            logging.getLogger("tests.console").info("hello %s", "there")
        finally:
            root = logging.getLogger()
            for handler in list(root.handlers):
                if handler.get_name() == HANDLER_NAME:
                    root.removeHandler(handler)
        text = stream.getvalue()
        assert "hello there" in text
        assert not text.lstrip().startswith("{")
