"""The shared conformance tests, run against ``langgraph dev`` (the reference server).

Only the endpoint families both servers support are included; tenant isolation (the reference
has no auth) and Colmeia-specific checks stay in the Colmeia-only modules.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from langgraph_sdk import get_sync_client
from langgraph_sdk.client import SyncLangGraphClient

from colmeia.simllm.testing import running_sim_llm
from tests.conformance import (
    test_assistants,
    test_crons,
    test_multitask,
    test_runs,
    test_store,
    test_threads,
)
from tests.conformance.conftest import PROJECT
from tests.conformance.reference import langgraph_dev

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def reference_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    log = tmp_path_factory.mktemp("reference") / "langgraph-dev.log"
    with running_sim_llm() as llm_url, langgraph_dev(PROJECT, llm_url, log) as url:
        yield url


@pytest.fixture
def client(reference_url: str) -> Iterator[SyncLangGraphClient]:
    with get_sync_client(url=reference_url, api_key=None) as sdk:
        yield sdk


class TestAssistantsLifecycle(test_assistants.TestLifecycle):
    pass


class TestAssistantsSearch(test_assistants.TestSearch):
    pass


class TestThreadsLifecycle(test_threads.TestLifecycle):
    pass


class TestThreadsState(test_threads.TestState):
    pass


class TestThreadsSearch(test_threads.TestSearch):
    pass


class TestThreadsJoinStream(test_threads.TestJoinStream):
    pass


class TestBackgroundRuns(test_runs.TestBackgroundRuns):
    pass


class TestStreaming(test_runs.TestStreaming):
    pass


class TestStatelessRuns(test_runs.TestStatelessRuns):
    pass


class TestReactAgent(test_runs.TestReactAgent):
    pass


class TestMultitask(test_multitask.TestMultitaskStrategies):
    pass


class TestCancel(test_multitask.TestCancel):
    pass


class TestInterruptAndResume(test_multitask.TestInterruptAndResume):
    pass


class TestStoreItems(test_store.TestItems):
    pass


class TestStoreSearch(test_store.TestSearch):
    pass


class TestStoreSharedWithGraphs(test_store.TestGraphsShareTheStore):
    pass


class TestCronsLifecycle(test_crons.TestLifecycle):
    pass


class TestCronsFiring(test_crons.TestFiring):
    pass
