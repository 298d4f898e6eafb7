"""The SaaS sinks driven by their real client libraries against local receivers."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from langchain_openai import ChatOpenAI
from pydantic import SecretStr

from colmeia.app import create_app
from colmeia.auth.deps import CurrentPrincipal
from colmeia.config import Settings
from colmeia.simllm.testing import running_sim_llm
from colmeia.telemetry.context import annotate
from colmeia.telemetry.langsmith import run_metadata
from colmeia.telemetry.setup import configure_telemetry
from tests.fixtures.live import live_api, wait_for
from tests.fixtures.principals import create_credential
from tests.telemetry.receivers import otlp_spans, receiver, sentry_envelopes
from tests.telemetry.test_genai import run_traced_llm_call

pytestmark = pytest.mark.usefixtures("reset_telemetry")


def _attributes(span: Any) -> dict[str, Any]:
    # Any: protobuf messages and their decoded values.
    values: dict[str, Any] = {}
    for item in span.attributes:
        value = item.value
        values[item.key] = (
            getattr(value, value.WhichOneof("value")) if value.WhichOneof("value") else None
        )
    return values


class TestOTLP:
    def test_spans_reach_an_otlp_http_receiver(self, settings: Settings) -> None:
        credential = create_credential(settings)
        with receiver() as collector:
            settings.telemetry.otlp_endpoint = collector.url
            run_id = run_traced_llm_call(settings, credential, "Describe OTLP exporters")
            requests = otlp_spans(collector)
        spans = [
            (resource.resource, span)
            for request in requests
            for resource in request.resource_spans
            for scope in resource.scope_spans
            for span in scope.spans
        ]
        by_name = {span.name: (res, span) for res, span in spans}
        assert {"agent run", "ChatOpenAI", "POST"} <= set(by_name)
        resource, llm = by_name["ChatOpenAI"]
        assert any(
            a.key == "service.name" and a.value.string_value == "colmeia"
            for a in resource.attributes
        )
        attributes = _attributes(llm)
        assert attributes["gen_ai.request.model"] == "sim-small"
        assert attributes["gen_ai.usage.output_tokens"] > 0
        root = _attributes(by_name["agent run"][1])
        assert root["colmeia.run_id"] == str(run_id)
        assert len({by_name[name][1].trace_id for name in ("agent run", "ChatOpenAI", "POST")}) == 1


class TestLangSmith:
    def test_runs_reach_a_langsmith_receiver(self, settings: Settings) -> None:
        credential = create_credential(settings)
        with receiver() as server, running_sim_llm() as sim_url:
            settings.telemetry.langsmith_tracing = True
            settings.telemetry.langsmith_endpoint = server.url
            settings.telemetry.langsmith_api_key = SecretStr("lsv2_pt_" + "a" * 32)
            settings.telemetry.langsmith_project = "colmeia-tests"
            telemetry = configure_telemetry(settings)
            tracer = telemetry.tracer_provider.get_tracer("tests")
            run_id = uuid.uuid4()
            with tracer.start_as_current_span("agent run"):
                annotate(run_id=run_id, tenant_id=credential.tenant_id)
                model = ChatOpenAI(base_url=sim_url, api_key="x", model="sim-small", max_retries=0)
                model.invoke("Explain LangSmith", config={"metadata": run_metadata()})
            telemetry.flush()
            assert wait_for(lambda: server.posts("/runs"), timeout_s=10)
            text = server.text()
        assert any(r.method == "GET" and r.path.endswith("/info") for r in server.requests)
        assert server.posts("/runs/multipart")
        assert "ChatOpenAI" in text
        assert "colmeia-tests" in text
        assert f'"colmeia_run_id":"{run_id}"' in text
        assert '"otel_trace_id"' in text


class TestSentry:
    def _app(self, settings: Settings) -> FastAPI:
        app = create_app(settings)

        @app.get("/probe/crash/{run_id}")
        async def crash(run_id: uuid.UUID, principal: CurrentPrincipal) -> None:
            annotate(run_id=run_id)
            raise RuntimeError(f"the upstream call for run {run_id} failed")

        return app

    def test_errors_reach_a_sentry_receiver_with_ids_but_no_email_or_locals(
        self, settings: Settings
    ) -> None:
        credential = create_credential(settings)
        run_id = uuid.uuid4()
        with receiver() as server:
            host = server.url.removeprefix("http://")
            settings.telemetry.sentry_dsn = SecretStr(f"http://publickey@{host}/1")
            with live_api(settings, self._app(settings)) as base:
                response = httpx.get(
                    f"{base}/probe/crash/{run_id}", headers={"x-api-key": credential.key}
                )
                assert response.status_code == 500
                configure_telemetry(settings).flush()
                assert wait_for(lambda: sentry_envelopes(server), timeout_s=10)
            events = [
                item.payload.json
                for envelope in sentry_envelopes(server)
                for item in envelope.items
                if item.type == "event" and item.payload.json is not None
            ]
        [event] = [e for e in events if "RuntimeError" in str(e.get("exception"))]
        assert event["tags"]["run_id"] == str(run_id)
        assert event["tags"]["tenant_id"] == str(credential.tenant_id)
        assert event["user"] == {"id": str(credential.user_id)}
        assert credential.email not in str(event)
        frames = [
            frame
            for value in event["exception"]["values"]
            for frame in (value.get("stacktrace") or {}).get("frames", [])
        ]
        assert frames
        assert not any("vars" in frame for frame in frames)
        assert credential.key not in str(event)
