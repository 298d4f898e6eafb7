"""User graphs in a real worker process: their own ``ChatOpenAI`` goes through the semantic cache
(LangChain's ``set_llm_cache``), scoped by the run's tenant and the prompt's earlier turns."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from colmeia.config import Settings
from colmeia.models import Role
from colmeia.simllm.testing import running_sim_llm
from tests.fixtures.live import live_api, wait_for, worker_process
from tests.fixtures.principals import Credential, create_credential

pytestmark = pytest.mark.slow

PROJECT = Path(__file__).parent / "project" / "langgraph.json"
QUESTION = "What was the total revenue in March 2024?"


@dataclass(frozen=True)
class Live:
    base: str
    admin: Credential
    """An admin of tenant A."""
    other: Credential
    """A user of tenant B."""
    log: Path

    def ask(self, credential: Credential, *messages: dict[str, str]) -> dict[str, Any]:
        """The last message of a stateless run of the ``ledger`` graph."""
        response = httpx.post(
            f"{self.base}/runs/wait",
            headers={"x-api-key": credential.key},
            json={"assistant_id": "ledger", "input": {"messages": list(messages)}},
            timeout=60,
        )
        assert response.status_code == 200, response.text
        last: dict[str, Any] = response.json()["messages"][-1]
        return last


def user(text: str) -> dict[str, str]:
    return {"role": "user", "content": text}


def cache_of(message: dict[str, Any]) -> dict[str, Any] | None:
    found: dict[str, Any] | None = message.get("response_metadata", {}).get("colmeia_cache")
    return found


@pytest.fixture
def live(settings: Settings, tmp_path: Path) -> Iterator[Live]:
    with running_sim_llm() as llm_url:
        configured = settings.model_copy(
            update={
                "llm": settings.llm.model_copy(update={"base_url": llm_url}),
                "agents": settings.agents.model_copy(
                    update={"config": PROJECT, "queue": f"colmeia.runs.{uuid.uuid4().hex}"}
                ),
                "cache": settings.cache.model_copy(
                    update={"prefix": f"test-cache:{uuid.uuid4().hex[:10]}"}
                ),
            }
        )
        admin = create_credential(configured, Role.admin)
        other = create_credential(configured)
        log = tmp_path / "worker.log"
        with live_api(configured) as base, worker_process(configured, log):
            # The worker opens its graphs on its first run: slow on a busy machine.
            warm = httpx.post(
                f"{base}/runs/wait",
                headers={"x-api-key": admin.key},
                json={"assistant_id": "ledger", "input": {"messages": [user("warm up")]}},
                timeout=300,
            )
            assert warm.status_code == 200, log.read_text()
            yield Live(base, admin, other, log)


class TestRunScopedCache:
    def test_graph_models_hit_within_their_tenant_only(self, live: Live) -> None:
        first = live.ask(live.admin, user(QUESTION))
        # The worker loads MiniLM in the background on its first run: until then runs bypass.
        assert wait_for(lambda: cache_of(live.ask(live.admin, user(QUESTION))), 90), (
            live.log.read_text()
        )
        hit = live.ask(live.admin, user(QUESTION))
        marker = cache_of(hit)
        assert marker is not None
        assert (marker["tier"], marker["score"]) == ("exact", 1.0)
        assert hit["content"] == first["content"]
        assert cache_of(live.ask(live.other, user(QUESTION))) is None, "another tenant"
        earlier = [user("Hi"), {"role": "assistant", "content": "Hello! How can I help?"}]
        assert cache_of(live.ask(live.admin, *earlier, user(QUESTION))) is None
        stats = httpx.get(
            f"{live.base}/admin/cache/stats", headers={"x-api-key": live.admin.key}
        ).json()
        assert stats["hits_exact"] >= 2
        assert stats["saved_completion_tokens"] > 0
