"""A live Colmeia (API + a real worker process + the simulated LLM) for the SDK suite.

One server per module and database backend: starting processes per test would dominate
the suite's time, and a server outliving its module would keep a worker heartbeating into
the shared Redis while other suites test readiness. Tests create their own assistants and
threads, so they do not interfere.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from langgraph_sdk import get_sync_client
from langgraph_sdk.client import SyncLangGraphClient

from colmeia.models import Role
from colmeia.simllm.testing import running_sim_llm
from tests.fixtures.live import live_api, stack_settings, worker_process
from tests.fixtures.principals import create_credential

PROJECT = Path(__file__).parent / "project" / "langgraph.json"


@dataclass(frozen=True)
class Server:
    url: str
    key: str
    """A user key in tenant A."""
    other_key: str
    """A user key in tenant B, to prove foreign ids answer 404."""
    log: Path


@pytest.fixture(scope="module")
def server(
    database_url: str, redis_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    data = tmp_path_factory.mktemp("conformance")
    with running_sim_llm() as llm_url:
        settings = stack_settings(
            data / "data",
            database_url,
            redis_url,
            llm_url,
            agents={"config": PROJECT, "stream_ping_s": 0.3},
            runs={"cron_interval_s": 0.5},
        )
        key = create_credential(settings, Role.user).key
        other = create_credential(settings, Role.user).key
        log = data / "worker.log"
        with live_api(settings) as url, worker_process(settings, log):
            yield Server(url=url, key=key, other_key=other, log=log)


@pytest.fixture
def client(server: Server) -> Iterator[SyncLangGraphClient]:
    with get_sync_client(url=server.url, api_key=server.key) as sdk:
        yield sdk


@pytest.fixture
def other_client(server: Server) -> Iterator[SyncLangGraphClient]:
    with get_sync_client(url=server.url, api_key=server.other_key) as sdk:
        yield sdk


def human(text: str) -> dict[str, list[dict[str, str]]]:
    """A graph input with one user message."""
    return {"messages": [{"role": "user", "content": text}]}
