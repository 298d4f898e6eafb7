"""Liveness and readiness against real backends and a real worker process."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
import redis as redis_sync

from colmeia.config import Settings
from colmeia.simllm.testing import running_sim_llm
from colmeia.worker.heartbeat import WORKERS_KEY
from tests.fixtures.backends import free_port, redis_db_url
from tests.fixtures.live import live_api, wait_for, worker_process

pytestmark = pytest.mark.slow


def _ready(base: str) -> bool:
    return httpx.get(f"{base}/readyz", timeout=10).status_code == 200


class TestReadiness:
    def test_healthz_needs_nothing(self, settings: Settings) -> None:
        with live_api(settings) as base:
            response = httpx.get(f"{base}/healthz")
        assert response.status_code == 200
        assert response.json() == {"status": "ok"}

    def test_every_component_up_with_a_worker(self, settings: Settings, tmp_path: Path) -> None:
        with running_sim_llm() as llm_url:
            settings.llm.base_url = llm_url
            with live_api(settings) as base, worker_process(settings, tmp_path / "w.log"):
                assert wait_for(lambda: _ready(base), timeout_s=30), (
                    tmp_path / "w.log"
                ).read_text()
                report = httpx.get(f"{base}/readyz").json()
        assert report["status"] == "ready"
        assert set(report["components"]) == {"database", "redis", "broker", "worker", "llm"}
        assert all(c["status"] == "up" for c in report["components"].values())

    def test_503_names_what_is_down(self, settings: Settings, redis_url: str) -> None:
        # A database of its own: no other test's worker can heartbeat into it.
        settings.redis.url = redis_db_url(redis_url, 11)
        with redis_sync.Redis.from_url(settings.redis.url) as client:
            client.delete(WORKERS_KEY)
        settings.llm.base_url = f"http://127.0.0.1:{free_port()}/v1"
        with live_api(settings) as base:
            response = httpx.get(f"{base}/readyz", timeout=10)
        assert response.status_code == 503
        report = response.json()
        assert report["status"] == "not_ready"
        components = report["components"]
        assert components["database"]["status"] == "up"
        assert components["redis"]["status"] == "up"
        assert components["worker"]["status"] == "down"
        assert "heartbeat" in components["worker"]["detail"]
        assert components["llm"]["status"] == "down"

    def test_redis_down_is_reported_not_raised(self, settings: Settings) -> None:
        settings.redis.url = f"redis://127.0.0.1:{free_port()}/0"
        with live_api(settings) as base:
            response = httpx.get(f"{base}/readyz", timeout=10)
        assert response.status_code == 503
        components = response.json()["components"]
        assert components["redis"]["status"] == "down"
        assert components["worker"]["status"] == "down"
        assert components["database"]["status"] == "up"
