"""``GET /runs/{run_id}/trace``: the span tree from stored spans, within the caller's tenant."""

from __future__ import annotations

import urllib.request
import uuid
from typing import Any

import httpx
from fastapi import FastAPI

from colmeia.app import create_app
from colmeia.auth.deps import CurrentPrincipal
from colmeia.config import Settings
from colmeia.telemetry.context import annotate
from colmeia.telemetry.setup import configure_telemetry
from tests.fixtures.live import live_api, wait_for
from tests.fixtures.principals import Credential, create_credential


def app_with_run_route(settings: Settings) -> FastAPI:
    app = create_app(settings)

    @app.post("/probe/runs/{run_id}")
    async def touch(run_id: uuid.UUID, principal: CurrentPrincipal) -> None:
        annotate(run_id=run_id)

    return app


def record_run(settings: Settings, owner: Credential, run_id: uuid.UUID) -> str:
    """Spans of a run: a root with two children, one of which has a child; its trace id."""
    telemetry = configure_telemetry(settings)
    tracer = telemetry.tracer_provider.get_tracer("tests.traces")
    with tracer.start_as_current_span("run") as root:
        annotate(run_id=run_id, tenant_id=owner.tenant_id)
        with tracer.start_as_current_span("node: plan"):
            with tracer.start_as_current_span("llm call"):
                pass
        with tracer.start_as_current_span("node: act"):
            pass
    assert telemetry.flush()
    return format(root.get_span_context().trace_id, "032x")


def get_trace(base: str, credential: Credential, run_id: uuid.UUID) -> httpx.Response:
    return httpx.get(f"{base}/runs/{run_id}/trace", headers={"x-api-key": credential.key})


def shape(node: dict[str, Any]) -> object:
    # Any: JSON span node.
    return (node["name"], sorted((shape(child) for child in node["children"]), key=str))


class TestTraceView:
    def test_the_tree_of_a_run(self, settings: Settings) -> None:
        owner = create_credential(settings)
        run_id = uuid.uuid4()
        trace_id = record_run(settings, owner, run_id)
        with live_api(settings) as base:
            response = get_trace(base, owner, run_id)
        assert response.status_code == 200
        body = response.json()
        assert body["run_id"] == str(run_id)
        assert body["trace_ids"] == [trace_id]
        assert body["span_count"] == 4
        [root] = body["roots"]
        assert shape(root) == ("run", [("node: act", []), ("node: plan", [("llm call", [])])])
        assert root["parent_span_id"] is None
        assert root["status"] == "unset"
        assert root["kind"] == "internal"
        assert root["duration_ms"] >= 0

    def test_unknown_run_is_404_and_callers_must_authenticate(self, settings: Settings) -> None:
        owner = create_credential(settings)
        with live_api(settings) as base:
            unknown = get_trace(base, owner, uuid.uuid4())
            anonymous = httpx.get(f"{base}/runs/{uuid.uuid4()}/trace")
            malformed = httpx.get(f"{base}/runs/not-a-uuid/trace", headers={"x-api-key": owner.key})
        assert unknown.status_code == 404
        assert unknown.json()["error"]["code"] == "not_found"
        assert anonymous.status_code == 401
        assert malformed.status_code == 422

    def test_a_forged_traceparent_does_not_join_another_tenants_trace(
        self, settings: Settings
    ) -> None:
        owner = create_credential(settings)
        intruder = create_credential(settings)
        run_id = uuid.uuid4()
        trace_id = record_run(settings, owner, run_id)
        forged = {"traceparent": f"00-{trace_id}-{'1' * 16}-01", "x-api-key": intruder.key}
        with live_api(settings, app_with_run_route(settings)) as base:
            # urllib, not httpx: the httpx instrumentation in this process would replace the
            # forged traceparent with its own.
            request = urllib.request.Request(
                f"{base}/probe/runs/{run_id}", method="POST", headers=forged
            )
            with urllib.request.urlopen(request, timeout=10) as response:
                assert response.status == 200
            assert wait_for(lambda: get_trace(base, intruder, run_id).status_code == 200)
            theirs = get_trace(base, intruder, run_id).json()
            ours = get_trace(base, owner, run_id).json()
        assert ours["span_count"] == 4
        assert [node["name"] for node in ours["roots"]] == ["run"]
        assert theirs["trace_ids"] == [trace_id]
        assert [node["name"] for node in theirs["roots"]] == ["POST /probe/runs/{run_id}"]
        assert "run" not in str([node["name"] for node in theirs["roots"][0]["children"]])
