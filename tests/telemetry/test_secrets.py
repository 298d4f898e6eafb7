"""No secret leaves: 50+ patterns through every channel, checked in every sink.

For each secret of the corpus, one request goes through the live API with the secret in its
headers (``Authorization``, ``Cookie``, a custom header) and URL (``?token=``, ``?key=``, a
query value); the endpoint logs it, puts it in an LLM prompt (real LangChain → simulated LLM),
passes it as tool arguments, calls an upstream URL carrying it, and finally fails with an
error message containing it. Sinks: the captured JSON logs, the spans stored in the database,
an OTLP/HTTP receiver, a LangSmith receiver and a Sentry receiver — all fed by the real
client libraries. None may contain any secret's core; each must show it received the traffic.
"""

from __future__ import annotations

import json
import logging
import uuid
from urllib.parse import quote

import httpx
import httpx2
import pytest
from fastapi import FastAPI
from langchain_core.tools import tool
from langchain_openai import ChatOpenAI
from pydantic import SecretStr
from sqlalchemy import create_engine, text

from colmeia.app import create_app
from colmeia.auth.deps import CurrentPrincipal
from colmeia.config import Settings
from colmeia.migrations import sync_url
from colmeia.simllm.testing import running_sim_llm
from colmeia.telemetry.context import annotate
from colmeia.telemetry.langsmith import run_metadata
from colmeia.telemetry.setup import configure_telemetry
from tests.fixtures.live import live_api, wait_for
from tests.fixtures.principals import create_credential
from tests.telemetry.conftest import CapturedLogs
from tests.telemetry.receivers import Receiver, receiver, sentry_envelopes
from tests.telemetry.secret_corpus import Secret, corpus

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("reset_telemetry")]
log = logging.getLogger("tests.upstream")


@tool
def forward_credentials(note: str) -> str:
    """Forward a note to the upstream system."""
    return f"forwarded {len(note)} characters"


def leaky_app(settings: Settings, sim_url: str, run_id: uuid.UUID) -> FastAPI:
    """The real app plus an endpoint that does every careless thing with what it is given."""
    app = create_app(settings)

    @app.get("/probe/leak")
    async def leak(q: str, principal: CurrentPrincipal) -> None:
        annotate(run_id=run_id)
        log.warning("calling upstream with %s", q)
        # The openai SDK sends through httpx2; a client per request is closed with its loop.
        async with httpx2.AsyncClient() as http_client:
            model = ChatOpenAI(
                base_url=sim_url,
                api_key=SecretStr("x"),
                model="sim-small",
                max_retries=0,
                http_async_client=http_client,
            )
            await model.ainvoke(f"Summarise this: {q}", config={"metadata": run_metadata()})
        await forward_credentials.ainvoke({"note": q})
        async with httpx.AsyncClient() as client:
            await client.get(f"{sim_url}/models", params={"key": q[-20:], "token": q})
        raise RuntimeError(f"upstream refused the request: {q}")

    return app


def _send(base: str, key: str, secret: Secret) -> int:
    headers = {
        "x-api-key": key,
        "Authorization": f"Bearer {secret.core}",
        "Cookie": f"session={secret.core}",
        "X-Upstream-Token": secret.core,
    }
    url = f"{base}/probe/leak?q={quote(secret.text)}&token={quote(secret.core)}"
    return httpx.get(url, headers=headers, timeout=30).status_code


def _stored_spans(settings: Settings, tenant: uuid.UUID) -> str:
    engine = create_engine(sync_url(settings.database_url))
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text("SELECT * FROM spans WHERE tenant_id = :t"),
                {"t": tenant if engine.dialect.name == "postgresql" else tenant.hex},
            )
            return json.dumps([dict(row._mapping) for row in rows], default=str)
    finally:
        engine.dispose()


def _configure_sinks(settings: Settings, otlp: Receiver, smith: Receiver, sentry: Receiver) -> None:
    settings.telemetry.otlp_endpoint = otlp.url
    settings.telemetry.langsmith_tracing = True
    settings.telemetry.langsmith_endpoint = smith.url
    settings.telemetry.langsmith_api_key = SecretStr("lsv2_pt_" + "b" * 32)
    settings.telemetry.sentry_dsn = SecretStr(f"http://k@{sentry.url.removeprefix('http://')}/1")


def assert_every_sink_saw_the_traffic(sinks: dict[str, str], requests: int) -> None:
    """Non-vacuity: each sink received the requests (and had something to redact)."""
    for name, content in sinks.items():
        assert "[REDACTED]" in content, f"{name} received nothing to redact"
    assert sinks["logs"].count('"logger": "colmeia.access"') >= requests
    assert sinks["stored spans"].count("/probe/leak") >= requests
    assert "Summarise this" in sinks["otlp"]
    assert "Summarise this" in sinks["langsmith"]
    assert sinks["sentry"].count("upstream refused the request") >= requests


class TestNoSecretLeaves:
    def test_fifty_patterns_in_every_channel_reach_no_sink(
        self, settings: Settings, json_logs: CapturedLogs
    ) -> None:
        secrets = corpus()
        assert len({s.label for s in secrets}) >= 50
        credential = create_credential(settings)
        run_id = uuid.uuid4()
        with (
            receiver() as otlp,
            receiver() as smith,
            receiver() as sentry,
            running_sim_llm() as sim_url,
        ):
            _configure_sinks(settings, otlp, smith, sentry)
            with live_api(settings, leaky_app(settings, sim_url, run_id)) as base:
                statuses = [_send(base, credential.key, secret) for secret in secrets]
                configure_telemetry(settings).flush()
                assert wait_for(lambda: len(sentry_envelopes(sentry)) >= len(secrets))
                assert wait_for(lambda: smith.posts("/runs"), timeout_s=10)
            sinks = {
                "logs": json_logs.text(),
                "stored spans": _stored_spans(settings, credential.tenant_id),
                "otlp": otlp.text(),
                "langsmith": smith.text(),
                "sentry": sentry.text(),
            }
        assert statuses == [500] * len(secrets)
        assert_every_sink_saw_the_traffic(sinks, len(secrets))
        leaks = [
            (name, secret.label)
            for secret in secrets
            for name, content in sinks.items()
            if secret.core in content
        ]
        assert leaks == []
