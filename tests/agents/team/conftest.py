"""A live Colmeia serving the default graphs (examples + the team) on its own embedded Redis
(which has the FalkorDB module the graph analyst needs), a real worker process, the simulated
LLM, the demo company loaded as ``colmeia up`` loads it, and a MongoDB wire-protocol server
(``nx-27017``) for the records specialist."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from langgraph_sdk import get_sync_client
from langgraph_sdk.client import SyncLangGraphClient
from pymongo import MongoClient

from colmeia import migrations
from colmeia.agents.team.demo_data import load_demo, load_demo_records
from colmeia.config import Settings
from colmeia.embedded.redis_server import EmbeddedRedis
from colmeia.models import Role
from colmeia.simllm.testing import running_sim_llm
from tests.fixtures.backends import free_port
from tests.fixtures.live import live_api, stack_settings, wait_for, worker_process
from tests.fixtures.principals import create_credential

MONGO_DATABASE = "colmeia_team_test"


@dataclass(frozen=True)
class TeamServer:
    url: str
    key: str
    settings: Settings
    log: Path


@pytest.fixture(scope="module")
def mongo_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A MongoDB wire-protocol server (nx-27017, SQLite behind it) on a loopback port."""
    workdir = tmp_path_factory.mktemp("mongo")
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "nx_27017.nx_27017",
            "--host",
            "127.0.0.1",
            "-p",
            str(port),
            "--db",
            str(workdir / "mongo.db"),
            "--log-file",
            str(workdir / "mongo.log"),
            "--pid-file",
            str(workdir / "mongo.pid"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    url = f"mongodb://127.0.0.1:{port}/?directConnection=true"
    try:
        assert wait_for(lambda: _mongo_answers(url), timeout_s=20), "nx-27017 did not start"
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def _mongo_answers(url: str) -> bool:
    try:
        with MongoClient(url, serverSelectionTimeoutMS=500) as client:
            client.admin.command("ping")
            return True
    except Exception:  # not listening yet
        return False


@pytest.fixture(scope="module")
def team_server(tmp_path_factory: pytest.TempPathFactory, mongo_url: str) -> Iterator[TeamServer]:
    data = tmp_path_factory.mktemp("team") / "data"
    database_url = f"sqlite:///{data.parent / 'colmeia.db'}"
    migrations.upgrade(database_url)
    with (
        EmbeddedRedis(data) as redis,
        running_sim_llm() as llm_url,
        pytest.MonkeyPatch.context() as env,
    ):
        # The worker reads the team's settings from its environment, as under `colmeia up`.
        env.setenv("COLMEIA_TEAM__MONGO_URL", mongo_url)
        env.setenv("COLMEIA_TEAM__MONGO_DATABASE", MONGO_DATABASE)
        settings = stack_settings(
            data,
            database_url,
            redis.url,
            llm_url,
            team={"mongo_url": mongo_url, "mongo_database": MONGO_DATABASE},
        )
        assert load_demo(settings, redis.url).loaded == ["sql", "graph", "documents"]
        assert load_demo_records(mongo_url, MONGO_DATABASE)
        key = create_credential(settings, Role.user).key
        log = data / "worker.log"
        with live_api(settings) as url, worker_process(settings, log):
            yield TeamServer(url=url, key=key, settings=settings, log=log)


@pytest.fixture
def client(team_server: TeamServer) -> Iterator[SyncLangGraphClient]:
    with get_sync_client(url=team_server.url, api_key=team_server.key, timeout=120) as sdk:
        yield sdk
