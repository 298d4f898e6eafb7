"""Real Celery worker processes execute tasks over Redis and RabbitMQ brokers."""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx
import pytest
import redis as redis_sync

from colmeia.config import Settings
from colmeia.simllm.testing import running_sim_llm
from colmeia.worker.app import create_celery
from colmeia.worker.tasks import PINGS_KEY
from tests.fixtures.backends import DEFAULT_AMQP, tcp_open, unavailable
from tests.fixtures.live import live_api, wait_for, worker_process

pytestmark = pytest.mark.slow


def _pinged(client: redis_sync.Redis, marker: str) -> bool:
    return marker.encode() in client.lrange(PINGS_KEY, 0, -1)


def _roundtrip(settings: Settings, client: redis_sync.Redis, log: Path) -> None:
    assert settings.redis.url is not None
    marker = uuid.uuid4().hex
    with worker_process(settings, log):
        create_celery(settings, settings.redis.url).send_task("system.ping", args=[marker])
        assert wait_for(lambda: _pinged(client, marker), timeout_s=30), log.read_text()


class TestWorker:
    def test_redis_broker(
        self, settings: Settings, redis_client: redis_sync.Redis, tmp_path: Path
    ) -> None:
        _roundtrip(settings, redis_client, tmp_path / "worker.log")

    def test_rabbitmq_broker_and_its_readiness(
        self, settings: Settings, redis_client: redis_sync.Redis, tmp_path: Path
    ) -> None:
        if not tcp_open(DEFAULT_AMQP, 5672):
            unavailable("no RabbitMQ on 127.0.0.1:5672")
        settings.broker.url = DEFAULT_AMQP
        _roundtrip(settings, redis_client, tmp_path / "worker.log")
        with running_sim_llm() as llm_url:
            settings.llm.base_url = llm_url
            with live_api(settings) as base:
                broker = httpx.get(f"{base}/readyz").json()["components"]["broker"]
        assert broker["status"] == "up"
