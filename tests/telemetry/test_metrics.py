"""``/metrics``: every family declared, HTTP by route template, token protection, and the
multi-process mode that shows a Celery worker's numbers."""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx
import pytest
from prometheus_client.metrics_core import Metric
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr

from colmeia.config import Settings
from colmeia.telemetry.metrics import DECLARED, render
from colmeia.telemetry.multiproc import MULTIPROC_ENV, fresh_multiproc_dir
from colmeia.worker.app import create_celery
from tests.fixtures.live import live_api, wait_for, worker_process
from tests.fixtures.principals import create_credential

FAMILIES = {
    "colmeia_http_requests",
    "colmeia_http_request_duration_seconds",
    "colmeia_runs",
    "colmeia_run_duration_seconds",
    "colmeia_queue_depth",
    "colmeia_queue_oldest_pending_age_seconds",
    "colmeia_run_lease_recoveries",
    "colmeia_dead_letters",
    "colmeia_celery_tasks",
    "colmeia_cron_occurrences",
    "colmeia_cron_tick_failures",
    "colmeia_llm_calls",
    "colmeia_llm_tokens",
    "colmeia_llm_cost_usd",
    "colmeia_llm_latency_seconds",
    "colmeia_cache_lookups",
    "colmeia_cache_false_hit_reports",
    "colmeia_cache_saved_tokens",
    "colmeia_cache_saved_cost_usd",
    "colmeia_rate_limit_rejections",
    "colmeia_budget_spent_usd",
    "colmeia_budget_rejections",
}


def parse(text: str) -> dict[str, Metric]:
    return {family.name: family for family in text_string_to_metric_families(text)}


class TestExposition:
    def test_every_family_and_http_by_route_template(self, settings: Settings) -> None:
        credential = create_credential(settings)
        with live_api(settings) as base:
            for _ in range(3):
                httpx.get(f"{base}/me", headers={"x-api-key": credential.key})
            httpx.get(f"{base}/runs/{uuid.uuid4()}/trace", headers={"x-api-key": credential.key})
            response = httpx.get(f"{base}/metrics")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/plain")
        families = parse(response.text)
        assert FAMILIES <= set(families)
        assert {m.describe()[0].name for m in DECLARED} == FAMILIES
        requests = {
            (s.labels["route"], s.labels["status"]): s.value
            for s in families["colmeia_http_requests"].samples
            if s.name == "colmeia_http_requests_total"
        }
        assert requests[("/me", "200")] >= 3
        assert requests[("/runs/{run_id}/trace", "404")] >= 1
        assert not any(route.count("-") >= 4 for route, _ in requests), "raw ids in labels"
        latency = families["colmeia_http_request_duration_seconds"]
        assert any(
            s.name.endswith("_count") and s.labels["route"] == "/me" and s.value >= 3
            for s in latency.samples
        )
        assert families["colmeia_llm_tokens"].type == "counter"
        assert families["colmeia_queue_depth"].type == "gauge"

    def test_a_metrics_token_protects_the_route(self, settings: Settings) -> None:
        settings.telemetry.metrics_token = SecretStr("scrape-token-for-tests")
        with live_api(settings) as base:
            anonymous = httpx.get(f"{base}/metrics")
            wrong = httpx.get(f"{base}/metrics", headers={"Authorization": "Bearer nope"})
            right = httpx.get(
                f"{base}/metrics", headers={"Authorization": "Bearer scrape-token-for-tests"}
            )
        assert anonymous.status_code == wrong.status_code == 401
        assert anonymous.json()["error"]["code"] == "unauthenticated"
        assert right.status_code == 200
        assert "colmeia_http_requests" in right.text

    def test_metrics_can_be_turned_off(self, settings: Settings) -> None:
        settings.telemetry.metrics = False
        with live_api(settings) as base:
            assert httpx.get(f"{base}/metrics").status_code == 404


@pytest.mark.slow
class TestMultiProcess:
    def test_a_worker_processes_counts_show_up(
        self, private_broker: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        settings = private_broker
        assert settings.redis.url is not None
        directory = fresh_multiproc_dir(tmp_path / "data")
        monkeypatch.setenv(MULTIPROC_ENV, str(directory))
        log = tmp_path / "worker.log"

        def pings_counted() -> bool:
            samples = parse(render()[0].decode())["colmeia_celery_tasks"].samples
            return any(s.labels.get("task") == "system.ping" and s.value >= 2 for s in samples)

        with worker_process(settings, log):
            celery = create_celery(settings, settings.redis.url)
            for _ in range(2):
                celery.send_task("system.ping", args=[uuid.uuid4().hex])
            assert wait_for(pings_counted, timeout_s=30), log.read_text()
        families = parse(render()[0].decode())
        assert FAMILIES <= set(families)
        [sample] = [
            s
            for s in families["colmeia_celery_tasks"].samples
            if s.labels.get("task") == "system.ping"
        ]
        assert sample.labels["state"] == "SUCCESS"
        assert sample.value == 2
