"""A run that fails in a real worker reaches Sentry with the run's ids, and no secret anywhere.

The worker runs the real ``sentry_sdk`` against the local Sentry receiver; the failing graph's
error message carries a provider key. The event must be tagged with the run, thread and user,
and the key must be masked there and in what the run stores (row, events, output).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from colmeia.config import Settings
from colmeia.models import RunStatus
from tests.fixtures.live import wait_for
from tests.fixtures.metered import metered_server, run_id_of, run_row
from tests.fixtures.metered_project.failing import LEAKED
from tests.fixtures.principals import create_credential
from tests.telemetry.receivers import Receiver, receiver, sentry_envelopes

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("reset_telemetry")]


def run_events(server: Receiver, run_id: str) -> list[dict[str, Any]]:
    # Any: Sentry event payloads (JSON).
    return [
        item.payload.json
        for envelope in sentry_envelopes(server)
        for item in envelope.items
        if item.type == "event"
        and item.payload.json is not None
        and item.payload.json.get("tags", {}).get("run_id") == run_id
    ]


class TestWorkerSentry:
    def test_failed_run_reaches_sentry_tagged_and_scrubbed(
        self, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        credential = create_credential(settings)
        headers = {"x-api-key": credential.key}
        log = tmp_path / "worker.log"
        with receiver() as sentry:
            dsn = f"http://publickey@{sentry.url.removeprefix('http://')}/1"
            monkeypatch.setenv("COLMEIA_TELEMETRY__SENTRY_DSN", dsn)
            settings.telemetry.sentry_dsn = SecretStr(dsn)
            with metered_server(settings, log) as base:
                thread = httpx.post(f"{base}/threads", json={}, headers=headers).json()
                thread_id = thread["thread_id"]
                response = httpx.post(
                    f"{base}/threads/{thread_id}/runs/wait",
                    json={"assistant_id": "failing", "input": {"messages": []}},
                    headers=headers,
                    timeout=240,
                )
                run_id = run_id_of(response.headers["content-location"])
                stream = httpx.get(
                    f"{base}/threads/{thread_id}/runs/{run_id}/stream", headers=headers
                ).text
                assert wait_for(lambda: run_events(sentry, run_id), timeout_s=30), log.read_text()
            [event] = run_events(sentry, run_id)
            received = sentry.text()
        assert event["tags"]["thread_id"] == thread_id
        assert event["user"] == {"id": str(credential.user_id)}
        [exception] = event["exception"]["values"]
        assert exception["type"] == "RuntimeError"
        assert "[REDACTED]" in exception["value"]
        assert LEAKED not in received
        assert credential.key not in received
        # What the run stores is redacted by the same function.
        output = response.json()["__error__"]
        assert output["error"] == "RuntimeError"
        assert "[REDACTED]" in output["message"]
        assert LEAKED not in stream
        assert "event: error" in stream
        stored = run_row(settings, run_id)
        assert stored.status == RunStatus.error
        assert stored.error is not None
        assert LEAKED not in stored.error
