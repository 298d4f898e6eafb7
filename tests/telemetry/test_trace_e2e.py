"""One trace from an HTTP request through the queue into a real worker process.

The request (through `live_api`) enqueues the ``system.ping`` task; a real ``colmeia worker``
process executes it. The stored trace must have the HTTP span as its root and the Celery task
span as a descendant, and the same trace id must appear in the JSON log lines of the API and
of the worker.
"""

from __future__ import annotations

import json
import logging
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

import colmeia.worker.tasks  # noqa: F401  (registers system.ping for the producer span)
from colmeia.app import create_app
from colmeia.auth.deps import CurrentPrincipal
from colmeia.config import Settings
from colmeia.telemetry.context import annotate
from colmeia.worker.app import create_celery
from tests.fixtures.live import live_api, wait_for, worker_process
from tests.fixtures.principals import create_credential
from tests.telemetry.conftest import CapturedLogs

pytestmark = pytest.mark.slow


def app_that_enqueues(settings: Settings) -> FastAPI:
    """The real app plus one route that enqueues a task for a run id, as the runs API will."""
    assert settings.redis.url is not None
    app = create_app(settings)
    celery = create_celery(settings, settings.redis.url)

    @app.post("/probe/runs/{run_id}")
    async def enqueue(run_id: uuid.UUID, principal: CurrentPrincipal) -> dict[str, str]:
        annotate(run_id=run_id)
        logging.getLogger("tests.probe").info("enqueueing ping for the run")
        celery.send_task("system.ping", args=[run_id.hex])
        return {"run_id": str(run_id)}

    return app


def flatten(nodes: list[dict[str, Any]], depth: int = 0) -> list[tuple[int, dict[str, Any]]]:
    # Any: JSON span nodes.
    found: list[tuple[int, dict[str, Any]]] = []
    for node in nodes:
        found.append((depth, node))
        found += flatten(node["children"], depth + 1)
    return found


def worker_lines(log: Path) -> list[dict[str, Any]]:
    # Any: decoded JSON log lines.
    lines = []
    for raw in log.read_text().splitlines():
        if raw.startswith("{"):
            lines.append(json.loads(raw))
    return lines


def check_tree(body: dict[str, Any], run_id: uuid.UUID, tenant_id: str) -> str:
    # Any: JSON body.
    """HTTP span at the root, the task span below the publish span; the trace id."""
    [root] = body["roots"]
    assert root["kind"] == "server"
    assert root["name"] == "POST /probe/runs/{run_id}"
    assert root["attributes"]["colmeia.run_id"] == str(run_id)
    spans = flatten(body["roots"])
    by_name = {node["name"]: (depth, node) for depth, node in spans}
    publish_depth, publish = by_name["apply_async/system.ping"]
    task_depth, task = by_name["run/system.ping"]
    assert publish["kind"] == "producer"
    assert task["kind"] == "consumer"
    assert task_depth > publish_depth >= 1
    assert task["service"] == root["service"] == "colmeia"
    assert task["attributes"]["colmeia.request_id"] == "req-e2e-1"
    assert task["attributes"]["colmeia.tenant_id"] == tenant_id
    assert any(node["name"] == "RPUSH" for _, node in spans), "worker's Redis span missing"
    trace_id: str = root["trace_id"]
    assert {node["trace_id"] for _, node in spans} == {trace_id}
    return trace_id


def check_logs(
    logs: CapturedLogs, log: Path, trace_id: str, run_id: uuid.UUID, tenant_id: str
) -> None:
    """The same trace id on every line of the request, in the API and in the worker."""
    api_lines = [line for line in logs.lines() if line.get("request_id") == "req-e2e-1"]
    assert {line.get("logger") for line in api_lines} >= {"tests.probe", "colmeia.access"}
    assert {line.get("trace_id") for line in api_lines} == {trace_id}
    assert all(line["run_id"] == str(run_id) for line in api_lines)
    task_lines = [line for line in worker_lines(log) if line.get("request_id") == "req-e2e-1"]
    assert task_lines, log.read_text()
    assert {line.get("trace_id") for line in task_lines} == {trace_id}
    assert all(line.get("tenant_id") == tenant_id for line in task_lines)


class TestTraceThroughTheQueue:
    def test_http_root_celery_descendant_and_trace_id_in_logs(
        self,
        private_broker: Settings,
        json_logs: CapturedLogs,
        tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        settings = private_broker
        monkeypatch.setenv("COLMEIA_TELEMETRY__LOG_FORMAT", "json")
        # The worker's RPUSH (opt-in Redis spans) shows work inside the task joins the trace.
        monkeypatch.setenv("COLMEIA_TELEMETRY__TRACE_REDIS", "true")
        credential = create_credential(settings)
        run_id = uuid.uuid4()
        log = tmp_path / "worker.log"
        headers = {"x-api-key": credential.key}
        with worker_process(settings, log), live_api(settings, app_that_enqueues(settings)) as base:
            enqueue = httpx.post(
                f"{base}/probe/runs/{run_id}", headers={**headers, "X-Request-ID": "req-e2e-1"}
            )
            assert enqueue.status_code == 200

            def stored_trace() -> dict[str, Any] | None:
                # Any: JSON body.
                response = httpx.get(f"{base}/runs/{run_id}/trace", headers=headers)
                if response.status_code != 200:
                    return None
                names = [node["name"] for _, node in flatten(response.json()["roots"])]
                return response.json() if "run/system.ping" in names else None

            assert wait_for(stored_trace, timeout_s=40), log.read_text()
            body = stored_trace()
        assert body is not None
        trace_id = check_tree(body, run_id, str(credential.tenant_id))
        check_logs(json_logs, log, trace_id, run_id, str(credential.tenant_id))
