"""A Colmeia on real processes for chaos: PostgreSQL ledger, a private Redis, real workers.

Each scenario gets a fresh PostgreSQL database (migrated, plus the evidence tables of
`ledger`) and its own embedded Redis server with AOF on a temp dir, so restarting or
killing things never disturbs the shared services other suites use. Workers run with a short
run lease so an orphaned run is recovered within seconds.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from colmeia import migrations
from colmeia.agents.checkpointer import postgres_conninfo
from colmeia.config import Settings
from colmeia.embedded.redis_server import EmbeddedRedis
from colmeia.models import Role
from colmeia.simllm.config import SimLLMConfig
from colmeia.simllm.testing import running_sim_llm
from tests.chaos import ledger
from tests.chaos.processes import Fleet
from tests.fixtures.backends import postgres_database
from tests.fixtures.live import settings_env, stack_settings
from tests.fixtures.principals import create_credential

PROJECT = Path(__file__).parent / "project" / "langgraph.json"
LEASE_S = 10.0
"""Short, so a killed worker's runs are re-claimed within seconds (the reaper's bound), yet
long enough that a worker starved of CPU on a loaded 2-core machine (renewing every third of
it) does not lose runs it is still executing."""
RUNS_SETTINGS: dict[str, float] = {
    "reaper_interval_s": 0.5,
    "redeliver_after_s": 5.0,
    # A run may be caught by several kills in a row; the budget must outlast the chaos,
    # since a run that dies of it is exactly what these scenarios must not see.
    "max_attempts": 20,
}
WORKER_CONCURRENCY = 8
SCENARIO_MARKS = [
    pytest.mark.slow,
    pytest.mark.serial,
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.timeout(600),
]
"""Every chaos scenario's marks. ``serial``: judged against recovery bounds, so `./dev test` runs
them alone, after the parallel phase. The timeout: on a loaded machine processes start and run
several times slower, so a scenario gets more than the suite's default 300 s before it is
called hung."""
PROMPT = "apply the effect to the ledger"

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.redis]


@dataclass(frozen=True)
class Chaos:
    settings: Settings
    env: dict[str, str]
    """What a worker or API child process needs to load the same settings."""
    conninfo: str
    """libpq URL of the scenario's database, for reading the evidence."""
    key: str
    redis: EmbeddedRedis
    tmp: Path

    def fleet(self, concurrency: int = WORKER_CONCURRENCY) -> Fleet:
        return Fleet(self.env, self.tmp / "workers", concurrency)

    def headers(self) -> dict[str, str]:
        return {"x-api-key": self.key}


def run_body(step_s: float = 0.0, hold_at: str | None = None, **extra: Any) -> dict[str, Any]:
    """A run of the ledger graph on a new thread; Any: the body is free-form JSON."""
    graph_input: dict[str, Any] = {
        "messages": [{"role": "user", "content": PROMPT}],
        "step_s": step_s,
    }
    if hold_at is not None:
        graph_input["hold_at"] = hold_at
    return {"assistant_id": "ledger", "input": graph_input, "if_not_exists": "create", **extra}


def submit(base_url: str, key: str, bodies: list[dict[str, Any]], parallel: int = 8) -> list[str]:
    """Create one run per body (each on its own thread); returns the run ids in order."""

    def one(body: dict[str, Any]) -> str:
        response = httpx.post(
            f"{base_url}/threads/{uuid.uuid4()}/runs",
            json=body,
            headers={"x-api-key": key},
            timeout=30,
        )
        assert response.status_code == 200, response.text
        return str(response.json()["run_id"])

    with ThreadPoolExecutor(parallel) as pool:
        return list(pool.map(one, bodies))


Figures = Callable[[str], None]


FIGURES = pytest.StashKey[list[str]]()


@pytest.fixture
def figures(
    request: pytest.FixtureRequest, record_property: Callable[[str, object], None]
) -> Figures:
    """Report a measured figure: in the terminal summary and in the JUnit XML."""
    collected = request.config.stash.setdefault(FIGURES, [])

    def report(line: str) -> None:
        collected.append(f"{request.node.name}: {line}")
        record_property(f"chaos_{len(collected)}", line)

    return report


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    lines = terminalreporter.config.stash.get(FIGURES, [])
    if lines:
        terminalreporter.section("chaos figures")
        for line in lines:
            terminalreporter.write_line(line)


@pytest.fixture
def sim_llm_url() -> Iterator[str]:
    # Fast answers: the scenarios are about kills, not about model latency.
    with running_sim_llm(SimLLMConfig(ttft_ms=5.0, token_ms=0.0)) as url:
        yield url


@pytest.fixture
def chaos(pg_admin_url: str, sim_llm_url: str, tmp_path: Path) -> Iterator[Chaos]:
    with (
        postgres_database(pg_admin_url) as database_url,
        EmbeddedRedis(tmp_path / "redis", load_falkordb=False) as redis,
    ):
        migrations.upgrade(database_url)
        conninfo = postgres_conninfo(database_url)
        assert conninfo is not None
        ledger.install(conninfo)
        settings = stack_settings(
            tmp_path / "data",
            database_url,
            redis.url,
            sim_llm_url,
            queue="colmeia.runs.chaos",
            database={"pool_size": 4},
            agents={"config": PROJECT, "run_lease_s": LEASE_S},
            runs=RUNS_SETTINGS,
        )
        env = settings_env(settings) | {  # the lease and runs settings are in there too
            "COLMEIA_DATABASE__POOL_SIZE": "4",
            "COLMEIA_LIMITS__ENABLED": "false",
            "COLMEIA_LOG_LEVEL": "WARNING",
        }
        key = create_credential(settings, Role.user).key
        yield Chaos(settings, env, conninfo, key, redis, tmp_path)
