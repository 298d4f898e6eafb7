"""A live Colmeia for durability tests: the API (with its reaper) and the simulated LLM per
module; worker processes started, killed and stopped by each test.

Leases, sweeps and backoffs are short so that recovery happens within a test's patience; the
queue is the module's own, since other suites' workers share the Redis.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from colmeia import migrations
from colmeia.config import Settings
from colmeia.models import Role, Run
from colmeia.simllm.testing import running_sim_llm
from tests.fixtures.live import live_api, stack_settings
from tests.fixtures.principals import create_credential

PROJECT = Path(__file__).parent / "project" / "langgraph.json"
TERMINAL = {"success", "error", "timeout", "interrupted", "dead"}


@dataclass(frozen=True)
class Stack:
    url: str
    settings: Settings
    key: str
    admin_key: str
    data: Path

    def client(self, key: str | None = None, timeout_s: float = 30) -> httpx.Client:
        return httpx.Client(
            base_url=self.url, headers={"x-api-key": key or self.key}, timeout=timeout_s
        )

    def start_run(
        self, graph: str, input: dict[str, Any], config: dict[str, Any] | None = None
    ) -> tuple[str, str]:
        """A background run on a new thread: (thread id, run id)."""
        with self.client() as http:
            thread = http.post("/threads", json={}).json()["thread_id"]
            body = {"assistant_id": graph, "input": input, "config": config or {}}
            created = http.post(f"/threads/{thread}/runs", json=body)
            assert created.status_code == 200, created.text
            return thread, created.json()["run_id"]

    def ledger(self, run_id: str) -> dict[str, Any]:
        """The run's row, read straight from the database."""
        engine = create_engine(migrations.sync_url(self.settings.database_url))
        try:
            with Session(engine) as session:
                run = session.get(Run, uuid.UUID(run_id))
                assert run is not None, run_id
                return {
                    "status": run.status.value,
                    "attempt": run.attempt,
                    "error": run.error,
                    "lease_owner": run.lease_owner,
                    "max_attempts": run.max_attempts,
                }
        finally:
            engine.dispose()

    def runs_with_key(self, key: str) -> int:
        engine = create_engine(migrations.sync_url(self.settings.database_url))
        try:
            with Session(engine) as session:
                counted = select(func.count()).where(Run.idempotency_key == key)
                return int(session.execute(counted).scalar_one())
        finally:
            engine.dispose()

    def wait_status(
        self, run_id: str, statuses: set[str], timeout_s: float = 180
    ) -> dict[str, Any]:
        deadline = time.monotonic() + timeout_s
        row = self.ledger(run_id)
        while row["status"] not in statuses and time.monotonic() < deadline:
            time.sleep(0.2)
            row = self.ledger(run_id)
        return row

    def values(self, thread_id: str) -> dict[str, Any]:
        with self.client() as http:
            state: dict[str, Any] = http.get(f"/threads/{thread_id}/state").json()
            return state["values"]

    def worker_settings(self, **runs: Any) -> Settings:
        """These settings with some ``runs`` values changed (for one worker process)."""
        return self.settings.model_copy(update={"runs": self.settings.runs.model_copy(update=runs)})


@pytest.fixture(scope="module")
def stack(
    database_url: str, redis_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    data = tmp_path_factory.mktemp("durable")
    with running_sim_llm() as llm_url:
        settings = stack_settings(
            data / "data",
            database_url,
            redis_url,
            llm_url,
            queue="colmeia.runs.durable",
            agents={"config": PROJECT, "run_lease_s": 3.0},
            runs={
                "reaper_interval_s": 0.5,
                "redeliver_after_s": 5.0,
                "max_attempts": 3,
                "retry_initial_s": 0.2,
                "retry_max_s": 1.0,
                "drain_timeout_s": 15.0,
            },
        )
        key = create_credential(settings, Role.user).key
        admin = create_credential(settings, Role.admin).key
        with live_api(settings) as url:
            yield Stack(url=url, settings=settings, key=key, admin_key=admin, data=data)
